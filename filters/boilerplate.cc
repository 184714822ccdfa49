#include "filters/boilerplate.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <span>
#include <vector>

#include "feeds/text.h"
#include "filters/arabic.h"

namespace nw::boilerplate {
namespace {

enum class Match { kStarts, kContains };

struct Phrase {
  std::string_view text;
  Cue cue;
  Match match;
  int max_words;  // the block may have at most this many words; 0: phrase + 3
};

constexpr Cue S = Cue::kSectionStart;
constexpr Cue D = Cue::kDrop;
constexpr Cue B = Cue::kBox;
constexpr Match kS = Match::kStarts;
constexpr Match kC = Match::kContains;

// Leading numbers are ignored for section heads ("3 Comments", "تعليقات (5)").
constexpr Phrase kLexicon[] = {
    // Comments and comment forms.
    {"اترك تعليق", S, kS, 0},
    {"اترك تعليقا", S, kS, 0},
    {"اترك ردا", S, kS, 0},
    {"اترك رد", S, kS, 0},
    {"أضف تعليق", S, kS, 0},
    {"أضف تعليقك", S, kS, 0},
    {"التعليقات", S, kS, 0},
    {"تعليقات", S, kS, 0},
    {"تعليقات القراء", S, kS, 0},
    {"شارك برأيك", S, kS, 0},
    {"Leave a Reply", S, kS, 0},
    {"Leave a comment", S, kS, 0},
    {"Comments", S, kS, 0},
    {"Comment", S, kS, 0},
    {"Add a comment", S, kS, 0},
    {"Post a comment", S, kS, 0},
    {"Join the conversation", S, kS, 0},
    {"Laisser un commentaire", S, kS, 0},
    {"Commentaires", S, kS, 0},
    {"Réagir", S, kS, 0},
    {"Deja un comentario", S, kS, 0},
    {"Dejar un comentario", S, kS, 0},
    {"Comentarios", S, kS, 0},
    {"Schreibe einen Kommentar", S, kS, 0},
    {"Kommentar schreiben", S, kS, 0},
    {"Kommentare", S, kS, 0},
    {"Yorum yap", S, kS, 0},
    {"Yorum yaz", S, kS, 0},
    {"Yorumlar", S, kS, 0},
    {"Оставить комментарий", S, kS, 0},
    {"Комментарии", S, kS, 0},
    // Related, recommended, most read, latest.
    {"مقالات ذات صلة", S, kS, 0},
    {"أخبار ذات صلة", S, kS, 0},
    {"مواضيع ذات صلة", S, kS, 0},
    {"موضوعات ذات صلة", S, kS, 0},
    {"ذات صلة", S, kS, 0},
    {"أخبار متعلقة", S, kS, 0},
    {"قد يعجبك أيضا", S, kS, 0},
    {"قد يهمك أيضا", S, kS, 0},
    {"الأكثر قراءة", S, kS, 0},
    {"الأكثر مشاهدة", S, kS, 0},
    {"الأكثر تعليقا", S, kS, 0},
    {"الأكثر تداولا", S, kS, 0},
    {"آخر الأخبار", S, kS, 0},
    {"أحدث الأخبار", S, kS, 0},
    {"أخبار عاجلة", S, kS, 0},
    {"Related articles", S, kS, 0},
    {"Related posts", S, kS, 0},
    {"Related stories", S, kS, 0},
    {"Related news", S, kS, 0},
    {"Related", S, kS, 0},
    {"More stories", S, kS, 0},
    {"You may also like", S, kS, 0},
    {"You might also like", S, kS, 0},
    {"Recommended", S, kS, 0},
    {"Most read", S, kS, 0},
    {"Most popular", S, kS, 0},
    {"Most viewed", S, kS, 0},
    {"Trending", S, kS, 0},
    {"Latest news", S, kS, 0},
    {"Latest stories", S, kS, 0},
    {"Articles liés", S, kS, 0},
    {"Articles similaires", S, kS, 0},
    {"Sur le même sujet", S, kS, 0},
    {"Les plus lus", S, kS, 0},
    {"Dernières actualités", S, kS, 0},
    {"Dernières nouvelles", S, kS, 0},
    {"Artículos relacionados", S, kS, 0},
    {"Noticias relacionadas", S, kS, 0},
    {"Te puede interesar", S, kS, 0},
    {"Lo más leído", S, kS, 0},
    {"Lo más visto", S, kS, 0},
    {"Últimas noticias", S, kS, 0},
    {"Ähnliche Artikel", S, kS, 0},
    {"Verwandte Artikel", S, kS, 0},
    {"Das könnte Sie auch interessieren", S, kS, 0},
    {"Meistgelesen", S, kS, 0},
    {"Neueste Nachrichten", S, kS, 0},
    {"İlgili haberler", S, kS, 0},
    {"Benzer haberler", S, kS, 0},
    {"İlginizi çekebilir", S, kS, 0},
    {"En çok okunanlar", S, kS, 0},
    {"Çok okunanlar", S, kS, 0},
    {"Son haberler", S, kS, 0},
    {"Похожие статьи", S, kS, 0},
    {"Похожие новости", S, kS, 0},
    {"Самое читаемое", S, kS, 0},
    {"Популярное", S, kS, 0},
    {"Последние новости", S, kS, 0},
    // Video and gallery carousels ("JUST WATCHED", "(16 Videos)").
    {"Just watched", B, kS, 0},
    {"Must watch", B, kS, 0},
    {"Videos", B, kS, 0},
    {"Related videos", B, kS, 0},
    {"More videos", B, kS, 0},
    {"Photo galleries", B, kS, 0},
    {"فيديوهات", B, kS, 0},
    {"شاهد الفيديو", B, kS, 0},
    // Newsletter boxes.
    {"Sign up for our newsletter", B, kS, 0},
    {"Subscribe to our newsletter", B, kS, 0},
    {"اشترك في النشرة", B, kS, 0},
    {"النشرة البريدية", S, kS, 0},
    {"النشرة الإخبارية", S, kS, 0},
    {"اشترك في النشرة", D, kS, 30},
    {"اشترك في نشرتنا", D, kS, 30},
    {"Newsletter", S, kS, 0},
    {"Subscribe to our newsletter", D, kS, 30},
    {"Sign up for our newsletter", D, kS, 30},
    {"Inscrivez-vous à notre newsletter", D, kS, 30},
    {"Abonnez-vous", D, kS, 20},
    {"Suscríbete", D, kS, 20},
    {"Newsletter abonnieren", D, kS, 20},
    {"Bültenimize abone olun", D, kS, 20},
    {"Подпишитесь на рассылку", D, kS, 20},
    // Messenger promos.
    {"on WhatsApp", D, kC, 20},
    {"on Telegram", D, kC, 20},
    {"WhatsApp channel", D, kC, 20},
    {"Telegram channel", D, kC, 20},
    {"على واتساب", D, kC, 20},
    {"على تيليجرام", D, kC, 20},
    {"على تلغرام", D, kC, 20},
    {"قناتنا على", D, kC, 20},
    // "Read also" lines inside bodies.
    {"اقرأ أيضا", D, kS, 40},
    {"إقرأ أيضا", D, kS, 40},
    {"اقرأ المزيد", D, kS, 40},
    {"اقرأ كذلك", D, kS, 40},
    {"شاهد أيضا", D, kS, 40},
    {"طالع أيضا", D, kS, 40},
    {"Read also", D, kS, 40},
    {"Also read", D, kS, 40},
    {"Read more", D, kS, 40},
    {"See also", D, kS, 40},
    {"Read next", D, kS, 40},
    {"Lire aussi", D, kS, 40},
    {"Lire également", D, kS, 40},
    {"À lire aussi", D, kS, 40},
    {"Voir aussi", D, kS, 40},
    {"Lee también", D, kS, 40},
    {"Lea también", D, kS, 40},
    {"Leer más", D, kS, 40},
    {"Ver también", D, kS, 40},
    {"Lesen Sie auch", D, kS, 40},
    {"Auch interessant", D, kS, 40},
    {"Mehr zum Thema", D, kS, 40},
    {"Ayrıca okuyun", D, kS, 40},
    {"Ayrıca bakınız", D, kS, 40},
    {"Bunu da okuyun", D, kS, 40},
    {"Читайте также", D, kS, 40},
    {"Смотрите также", D, kS, 40},
    // Tags.
    {"الوسوم", D, kS, 30},
    {"وسوم", D, kS, 30},
    {"كلمات مفتاحية", D, kS, 30},
    {"الكلمات المفتاحية", D, kS, 30},
    {"كلمات دلالية", D, kS, 30},
    {"Tags", D, kS, 30},
    {"Filed under", D, kS, 30},
    {"Topics", D, kS, 0},
    {"Mots-clés", D, kS, 30},
    {"Etiquetas", D, kS, 30},
    {"Schlagwörter", D, kS, 30},
    {"Etiketler", D, kS, 30},
    {"Теги", D, kS, 30},
    // Share bars, follow-us, print, ads, buttons.
    {"شارك", D, kS, 0},
    {"شارك الخبر", D, kS, 0},
    {"مشاركة", D, kS, 0},
    {"تابعونا على", D, kS, 12},
    {"تابعنا على", D, kS, 12},
    {"طباعة", D, kS, 0},
    {"إعلان", D, kS, 0},
    {"المزيد", D, kS, 0},
    {"عرض المزيد", D, kS, 0},
    {"تحميل المزيد", D, kS, 0},
    {"العودة للأعلى", D, kS, 0},
    {"العودة إلى الأعلى", D, kS, 0},
    {"Share", D, kS, 0},
    {"Share this", D, kS, 0},
    {"Share on", D, kS, 0},
    {"Tweet", D, kS, 0},
    {"Print", D, kS, 0},
    {"Advertisement", D, kS, 0},
    {"Sponsored", D, kS, 0},
    {"Follow us", D, kS, 12},
    {"Show more", D, kS, 0},
    {"Load more", D, kS, 0},
    {"Back to top", D, kS, 0},
    {"Click here", D, kS, 0},
    {"Partager", D, kS, 0},
    {"Publicité", D, kS, 0},
    {"Suivez-nous", D, kS, 12},
    {"Retour en haut", D, kS, 0},
    {"Voir plus", D, kS, 0},
    {"Compartir", D, kS, 0},
    {"Publicidad", D, kS, 0},
    {"Síguenos", D, kS, 12},
    {"Volver arriba", D, kS, 0},
    {"Ver más", D, kS, 0},
    {"Teilen", D, kS, 0},
    {"Anzeige", D, kS, 0},
    {"Werbung", D, kS, 0},
    {"Folgen Sie uns", D, kS, 12},
    {"Nach oben", D, kS, 0},
    {"Mehr anzeigen", D, kS, 0},
    {"Paylaş", D, kS, 0},
    {"Reklam", D, kS, 0},
    {"Bizi takip edin", D, kS, 12},
    {"Başa dön", D, kS, 0},
    {"Daha fazla", D, kS, 0},
    {"Поделиться", D, kS, 0},
    {"Реклама", D, kS, 0},
    {"Наверх", D, kS, 0},
    {"Показать ещё", D, kS, 0},
    // Bylines and captions.
    {"بقلم", D, kS, 8},
    {"By", D, kS, 5},
    {"Par", D, kS, 5},
    {"Por", D, kS, 5},
    {"Von", D, kS, 5},
    {"Yazan", D, kS, 7},
    {"Автор", D, kS, 7},
    {"Foto", D, kS, 0},
    {"Fotoğraf", D, kS, 0},
    {"Фото", D, kS, 0},
    {"تصوير", D, kS, 0},
    {"Reporting by", D, kS, 25},
    {"Editing by", D, kS, 25},
    {"Writing by", D, kS, 25},
    {"صورة أرشيفية", D, kC, 16},
    {"Photo", D, kS, 0},
    {"Photo credit", D, kS, 12},
    {"Image credit", D, kS, 12},
    {"Crédit photo", D, kS, 12},
    {"Getty Images", D, kC, 12},
    {"AFP Photo", D, kC, 12},
    // Comment forms and rules.
    {"لن يتم نشر عنوان بريدك الإلكتروني", D, kS, 40},
    {"شروط التعليق", D, kS, 40},
    {"Your email address will not be published", D, kS, 40},
    {"Votre adresse e-mail ne sera pas publiée", D, kS, 40},
    {"Tu dirección de correo electrónico no será publicada", D, kS, 40},
    {"Deine E-Mail-Adresse wird nicht veröffentlicht", D, kS, 40},
    {"E-posta adresiniz yayınlanmayacak", D, kS, 40},
    {"Ваш адрес email не будет опубликован", D, kS, 40},
    // Cookie consent.
    {"ملفات تعريف الارتباط", D, kC, 70},
    {"ملفات الكوكيز", D, kC, 70},
    {"uses cookies", D, kC, 70},
    {"use cookies", D, kC, 70},
    {"cookie policy", D, kC, 70},
    {"cookie settings", D, kC, 70},
    {"utilise des cookies", D, kC, 70},
    {"utilisons des cookies", D, kC, 70},
    {"utiliza cookies", D, kC, 70},
    {"utilizamos cookies", D, kC, 70},
    {"verwendet cookies", D, kC, 70},
    {"verwenden cookies", D, kC, 70},
    {"çerez kullan", D, kC, 70},
    {"çerezleri kullan", D, kC, 70},
    {"использует cookie", D, kC, 70},
    {"файлы cookie", D, kC, 70},
    // Copyright lines.
    {"جميع الحقوق محفوظة", D, kC, 25},
    {"All rights reserved", D, kC, 25},
    {"Tous droits réservés", D, kC, 25},
    {"Todos los derechos reservados", D, kC, 25},
    {"Alle Rechte vorbehalten", D, kC, 25},
    {"Tüm hakları saklıdır", D, kC, 25},
    {"Все права защищены", D, kC, 25},
};

// View counters: a short block with a number and one of these words.
constexpr std::string_view kViewWords[] = {
    "مشاهدة",  "مشاهدات",      "المشاهدات", "قراءة",      "قراءات",   "القراءات", "الزوار",
    "views",   "reads",        "hits",      "vues",       "lectures", "visitas",  "lecturas",
    "aufrufe", "görüntülenme", "okunma",    "просмотров", "просмотры"};

// Date and time lines ("الأربعاء 3 يونيو 2020", "Updated 10:15 GMT"): every
// word is a number or one of these.
constexpr std::string_view kDateWords[] = {"يناير",       "فبراير",     "مارس",
                                           "أبريل",       "ابريل",      "إبريل",
                                           "مايو",        "يونيو",      "يونيه",
                                           "يوليو",       "يوليه",      "أغسطس",
                                           "اغسطس",       "سبتمبر",     "أكتوبر",
                                           "اكتوبر",      "نوفمبر",     "ديسمبر",
                                           "كانون",       "شباط",       "آذار",
                                           "نيسان",       "أيار",       "حزيران",
                                           "تموز",        "آب",         "أيلول",
                                           "تشرين",       "الأول",      "الثاني",
                                           "السبت",       "الأحد",      "الاثنين",
                                           "الإثنين",     "الثلاثاء",   "الأربعاء",
                                           "الخميس",      "الجمعة",     "م",
                                           "هـ",          "ص",          "مساء",
                                           "صباحا",       "الساعة",     "آخر",
                                           "تحديث",       "نشر",        "في",
                                           "بتاريخ",      "منذ",        "ساعة",
                                           "ساعات",       "دقيقة",      "دقائق",
                                           "يوم",         "أيام",       "شهر",
                                           "أشهر",        "بتوقيت",     "غرينتش",
                                           "january",     "february",   "march",
                                           "april",       "may",        "june",
                                           "july",        "august",     "september",
                                           "october",     "november",   "december",
                                           "jan",         "feb",        "mar",
                                           "apr",         "jun",        "jul",
                                           "aug",         "sep",        "sept",
                                           "oct",         "nov",        "dec",
                                           "monday",      "tuesday",    "wednesday",
                                           "thursday",    "friday",     "saturday",
                                           "sunday",      "mon",        "tue",
                                           "wed",         "thu",        "fri",
                                           "sat",         "sun",        "am",
                                           "pm",          "gmt",        "utc",
                                           "bst",         "cet",        "est",
                                           "edt",         "updated",    "published",
                                           "posted",      "on",         "at",
                                           "ago",         "hours",      "hour",
                                           "minutes",     "last",       "update",
                                           "uhr",         "vor",        "stunde",
                                           "stunden",     "minuten",    "aktualisiert",
                                           "am",          "januar",     "februar",
                                           "märz",        "mai",        "juni",
                                           "juli",        "oktober",    "dezember",
                                           "montag",      "dienstag",   "mittwoch",
                                           "donnerstag",  "freitag",    "samstag",
                                           "sonntag",     "publié",     "le",
                                           "à",           "mis",        "jour",
                                           "il",          "y",          "a",
                                           "heure",       "heures",     "janvier",
                                           "février",     "mars",       "avril",
                                           "juin",        "juillet",    "août",
                                           "septembre",   "octobre",    "novembre",
                                           "décembre",    "lundi",      "mardi",
                                           "mercredi",    "jeudi",      "vendredi",
                                           "samedi",      "dimanche",   "h",
                                           "actualizado", "publicado",  "de",
                                           "hace",        "horas",      "hora",
                                           "enero",       "febrero",    "marzo",
                                           "abril",       "mayo",       "junio",
                                           "julio",       "agosto",     "septiembre",
                                           "octubre",     "noviembre",  "diciembre",
                                           "lunes",       "martes",     "miércoles",
                                           "jueves",      "viernes",    "sábado",
                                           "domingo",     "güncelleme", "güncellendi",
                                           "saat",        "önce",       "dakika",
                                           "ocak",        "şubat",      "mart",
                                           "nisan",       "mayıs",      "haziran",
                                           "temmuz",      "ağustos",    "eylül",
                                           "ekim",        "kasım",      "aralık",
                                           "pazartesi",   "salı",       "çarşamba",
                                           "perşembe",    "cuma",       "cumartesi",
                                           "pazar",       "обновлено",  "опубликовано",
                                           "назад",       "час",        "часа",
                                           "часов",       "минут",      "января",
                                           "февраля",     "марта",      "апреля",
                                           "мая",         "июня",       "июля",
                                           "августа",     "сентября",   "октября",
                                           "ноября",      "декабря",    "понедельник",
                                           "вторник",     "среда",      "четверг",
                                           "пятница",     "суббота",    "воскресенье",
                                           "г",           "года"};

struct FoldedPhrase {
  std::string text;  // folded
  int words;
  Cue cue;
  Match match;
  int max_words;
};

int count_words(std::string_view folded) {
  if (folded.empty()) return 0;
  return static_cast<int>(std::count(folded.begin(), folded.end(), ' ')) + 1;
}

struct Lexicon {
  std::vector<FoldedPhrase> phrases;  // in kLexicon's order, which is the order of precedence
  // By a block's first byte: the phrases that may match it (those that start
  // with that byte, and every "contains" phrase), ascending.
  std::array<std::vector<std::uint16_t>, 256> candidates;
};

const Lexicon& lexicon() {
  static const Lexicon table = [] {
    Lexicon t;
    for (const Phrase& p : kLexicon) {
      std::string f = fold(p.text);
      const int words = count_words(f);
      const auto index = static_cast<std::uint16_t>(t.phrases.size());
      for (int b = 0; b < 256; ++b) {
        if (p.match == Match::kContains || (!f.empty() && static_cast<unsigned char>(f[0]) == b)) {
          t.candidates[b].push_back(index);
        }
      }
      t.phrases.push_back(
          {std::move(f), words, p.cue, p.match, p.max_words ? p.max_words : words + 3});
    }
    return t;
  }();
  return table;
}

bool starts_with_words(std::string_view text, std::string_view prefix) {
  return text.starts_with(prefix) && (text.size() == prefix.size() || text[prefix.size()] == ' ');
}

bool contains_words(std::string_view text, std::string_view needle) {
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    const bool left = at == 0 || text[at - 1] == ' ';
    const std::size_t end = at + needle.size();
    // Word start is enough on the right: "çerez kullan" matches "kullanıyor".
    if (left && end <= text.size()) return true;
  }
  return false;
}

bool is_digits(std::string_view w) {
  return !w.empty() && std::ranges::all_of(w, [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "comments-area", "post_tags", "shareBar", "jp-relatedposts" into
// lower-case parts: comments area / post tags / share bar / jp relatedposts.
std::vector<std::string> class_parts(std::string_view value) {
  std::vector<std::string> parts;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) parts.push_back(std::move(cur));
    cur.clear();
  };
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0 && value[i - 1] >= 'a' && value[i - 1] <= 'z') flush();
      cur.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      cur.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return parts;
}

// Always furniture, whatever the element holds.
constexpr std::string_view kStrongParts[] = {
    "comment",    "comments",    "commentlist",  "respond",      "disqus",        "cookie",
    "cookies",    "consent",     "gdpr",         "cmp",          "onetrust",      "share",
    "sharing",    "shares",      "sharedaddy",   "sharethis",    "addthis",       "addtoany",
    "a2a",        "social",      "socials",      "related",      "relatedposts",  "yarpp",
    "newsletter", "subscribe",   "subscription", "breadcrumb",   "breadcrumbs",   "ad",
    "ads",        "adv",         "advert",       "adverts",      "advertisement", "adsbygoogle",
    "dfp",        "sponsor",     "sponsored",    "promo",        "outbrain",      "taboola",
    "popup",      "modal",       "mostread",     "mostviewed",   "byline",        "pagination",
    "pager",      "ticker",      "marquee",      "readmore",     "backtotop",     "totop",
    "gotop",      "scrolltop",   "partage",      "commentaire",  "commentaires",  "publicite",
    "compartir",  "comentarios", "publicidad",   "relacionados", "kommentare",    "werbung",
    "teilen",     "anzeige",     "yorum",        "yorumlar",     "paylas",        "reklam",
    "ilgili",     "reklama",     "kommentarii",  "carousel",     "playlist"};

// Furniture names that also appear as layout modifiers on content wrappers
// ("content has-sidebar", "site-main nav-fixed"): trusted only on elements
// that do not hold a large share of the page's text.
constexpr std::string_view kWeakParts[] = {
    "widget",   "widgets",   "sidebar",  "navbar",   "navigation", "nav",    "menu",
    "tags",     "tagcloud",  "taglist",  "keywords", "caption",    "credit", "credits",
    "author",   "bio",       "popular",  "trending", "toolbar",    "print",  "rating",
    "views",    "viewcount", "counter",  "login",    "signin",     "search", "etiquetas",
    "etiket",   "footer",    "masthead", "topbar",   "meta",       "hidden", "hide",
    "skip",     "more",      "latest",   "aside",    "rail",       "dialog", "overlay",
    "lightbox", "tools",     "utility",  "date",     "dateline",   "time",   "timestamp",
    "most"};

// Whole class names for which a part alone would be too broad.
constexpr std::string_view kWeakWhole[] = {
    "site-header",        "entry-meta",      "post-meta",      "article-meta",
    "screen-reader-text", "visually-hidden", "wp-caption-text"};

// Furniture glued into one word: "mostRead", "jp-relatedposts", "cookiebanner".
constexpr std::string_view kStrongInfixes[] = {
    "mostread",    "mostviewed", "mostpopular", "mostcommented", "related",
    "cookie",      "consent",    "newsletter",  "breadcrumb",    "sharebar",
    "socialshare", "outbrain",   "taboola",     "disqus",        "gdpr"};

constexpr std::string_view kPositiveParts[] = {
    "article", "articlebody", "content", "entry", "post", "body",        "text",      "story",
    "main",    "detail",      "details", "news",  "matn", "maincontent", "storybody", "prose"};

bool in(std::span<const std::string_view> list, std::string_view w) {
  return std::ranges::find(list, w) != list.end();
}

template <class F>
void for_each_name(std::string_view class_attr, std::string_view id_attr, F&& f) {
  for (std::string_view value : {class_attr, id_attr}) {
    std::size_t i = 0;
    while (i < value.size()) {
      while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == '\n')) ++i;
      std::size_t j = i;
      while (j < value.size() && value[j] != ' ' && value[j] != '\t' && value[j] != '\n') ++j;
      if (j > i) f(value.substr(i, j - i));
      i = j;
    }
  }
}

}  // namespace

std::string fold(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool space = false;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(std::min<std::size_t>(utf8.size(), INT32_MAX));
  for (int32_t i = 0; i < n;) {
    if (s[i] < 0x80) {
      // ASCII, the bulk of Latin pages, without the ICU calls: what they give
      // for these code points (letters and digits kept, lower-cased).
      const auto a = static_cast<char>(s[i++]);
      const bool upper = a >= 'A' && a <= 'Z';
      if (!upper && !(a >= 'a' && a <= 'z') && !(a >= '0' && a <= '9')) {
        space = !out.empty();
        continue;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back(upper ? static_cast<char>(a - 'A' + 'a') : a);
      continue;
    }
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) c = 0xFFFD;
    const char32_t folded = arabic::fold_letter(static_cast<char32_t>(c));
    if (folded == arabic::kDrop || u_charType(c) == U_NON_SPACING_MARK ||
        u_charType(c) == U_FORMAT_CHAR) {
      continue;  // diacritics, tatweel, joiners and direction marks
    }
    c = static_cast<UChar32>(folded);
    if (!u_isalnum(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    char buf[4];
    int32_t len = 0;
    UBool err = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, c, err);
    if (!err) out.append(buf, static_cast<std::size_t>(len));
  }
  return out;
}

Cue classify_text(std::string_view utf8) {
  // Every cue has a word limit of at most 70; skip the folding for long blocks.
  if (std::count(utf8.begin(), utf8.end(), ' ') > 200) return Cue::kNone;
  const std::string text = fold(utf8);
  const int words = count_words(text);
  if (words == 0 || words > 70) return Cue::kNone;

  // Section heads may carry a count: "3 Comments", "التعليقات (5)".
  std::string_view head = text;
  while (!head.empty()) {
    const std::size_t sp = head.find(' ');
    if (!is_digits(head.substr(0, sp))) break;
    head = sp == std::string_view::npos ? std::string_view() : head.substr(sp + 1);
  }
  const int head_words = count_words(head);

  static const std::vector<std::string> view_words = [] {
    std::vector<std::string> t;
    for (std::string_view w : kViewWords) t.push_back(fold(w));
    return t;
  }();
  // A block whose head differs from its start (a count before it) is
  // checked against every phrase; any other only against those that can match.
  const Lexicon& lex = lexicon();
  std::vector<std::uint16_t> all;
  const std::vector<std::uint16_t>* candidates =
      &lex.candidates[static_cast<unsigned char>(text[0])];
  if (head.data() != text.data()) {
    all.resize(lex.phrases.size());
    for (std::size_t k = 0; k < all.size(); ++k) all[k] = static_cast<std::uint16_t>(k);
    candidates = &all;
  }
  for (const std::uint16_t k : *candidates) {
    const FoldedPhrase& p = lex.phrases[k];
    if (p.match == Match::kStarts) {
      if (p.cue == Cue::kSectionStart || p.cue == Cue::kBox) {
        if (head_words <= p.max_words && starts_with_words(head, p.text)) return p.cue;
      } else if (words <= p.max_words && starts_with_words(text, p.text)) {
        return p.cue;
      }
    } else if (words <= p.max_words && contains_words(text, p.text)) {
      return p.cue;
    }
  }
  if (words <= 10) {
    static const std::vector<std::string> date_words = [] {
      std::vector<std::string> t;
      for (std::string_view w : kDateWords) t.push_back(fold(w));
      std::ranges::sort(t);  // searched by halves: short blocks are many
      return t;
    }();
    bool all_date = true, number = false;
    std::size_t i = 0;
    while (all_date && i <= text.size()) {
      const std::size_t sp = std::min(text.find(' ', i), text.size());
      const std::string_view w = std::string_view(text).substr(i, sp - i);
      const bool digits = is_digits(w);
      number |= digits;
      all_date = digits || std::ranges::binary_search(date_words, w, std::less<>());
      i = sp + 1;
    }
    if (all_date && number) return Cue::kDrop;
  }
  if (words <= 4) {
    bool number = false, view = false;
    std::size_t i = 0;
    while (i <= text.size()) {
      const std::size_t sp = std::min(text.find(' ', i), text.size());
      const std::string_view w = std::string_view(text).substr(i, sp - i);
      number |= is_digits(w);
      view |= std::ranges::find(view_words, w) != view_words.end();
      i = sp + 1;
    }
    if (number && view) return Cue::kDrop;
  }
  return Cue::kNone;
}

Vocab classify_class(std::string_view class_attr, std::string_view id_attr) {
  Vocab v = Vocab::kNone;
  for_each_name(class_attr, id_attr, [&](std::string_view name) {
    if (v == Vocab::kStrong) return;
    for (const std::string& part : class_parts(name)) {
      if (in(kStrongParts, part)) {
        v = Vocab::kStrong;
        return;
      }
      if (in(kWeakParts, part)) v = Vocab::kWeak;
    }
    const std::string lower = lower_ascii(name);
    std::string joined;
    for (char c : lower) {
      if (c != '-' && c != '_') joined.push_back(c);
    }
    for (std::string_view s : kStrongInfixes) {
      if (joined.find(s) != std::string::npos) {
        v = Vocab::kStrong;
        return;
      }
    }
    if (in(kWeakWhole, lower)) v = Vocab::kWeak;
  });
  return v;
}

bool positive_class(std::string_view class_attr, std::string_view id_attr) {
  bool positive = false;
  for_each_name(class_attr, id_attr, [&](std::string_view name) {
    for (const std::string& part : class_parts(name)) positive |= in(kPositiveParts, part);
  });
  return positive;
}

bool is_non_article_path_word(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "tag",       "tags",      "category",   "categories", "cat",          "section",  "sections",
      "topic",     "topics",    "author",     "authors",    "writer",       "page",     "search",
      "login",     "signin",    "signup",     "register",   "logout",       "account",  "profile",
      "share",     "sharer",    "feed",       "rss",        "contact",      "about",    "privacy",
      "terms",     "subscribe", "newsletter", "label",      "wp-login.php", "wp-admin", "cdn-cgi",
      "video",     "videos",    "gallery",    "photos",     "podcast",      "live",     "weather",
      "advertise", "jobs",      "sitemap"};
  return in(kWords, w);
}

}  // namespace nw::boilerplate
