// The element walk of RSS 0.9x/1.0/2.0, RDF and Atom 0.3/1.0 documents: what
// each format's elements mean for a Feed. Internal to nw_feeds: parse_feed()
// parses and repairs the XML and detects the format first. Pure, safe from any thread.
#pragma once

#include <pugixml.hpp>

#include "feeds/feed.h"
#include "feeds/xml_scope.h"

namespace nw {

// The XML feed formats, told apart by their root element.
// kChannel: a bare RSS <channel>; kCdf: Microsoft's Channel Definition Format
// (<CHANNEL HREF=...> with <ITEM HREF=...>), names in any case.
enum class XmlFeedKind { kRss, kRdf, kAtom, kChannel, kCdf };

// Whether `root` is a CDF channel rather than a bare RSS one: CDF's names are
// written in capitals and its channel links are HREF attributes.
bool is_cdf_channel(pugi::xml_node root);

// Adds to `feed` the channel fields, entries, polling hints and warnings found
// under `root`, the document element of a `kind` feed in `scope`. Never fails:
// what cannot be used is skipped, with a warning where it helps the user.
void walk_xml_feed(XmlFeedKind kind, pugi::xml_node root, const Scope& scope, Feed& feed);

}  // namespace nw
