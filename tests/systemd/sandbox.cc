#include "tests/systemd/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/support/wait.h"

namespace nw::test {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// `systemd-analyze syscall-filter`: every group with its members (syscalls
// and nested groups).
Result<std::map<std::string, std::vector<std::string>>> syscall_groups() {
  FILE* p = popen("systemd-analyze syscall-filter 2>/dev/null", "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = p ? pclose(p) : -1;
  if (status != 0 || out.empty()) {
    return fail(Errc::kUnsupported,
                "systemd-analyze is not installed (package systemd): cannot expand the unit's "
                "SystemCallFilter= groups");
  }
  std::map<std::string, std::vector<std::string>> groups;
  std::string current;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("@")) {
      current = trim(line);
      groups[current];
    } else if (line.empty() || line.starts_with("#")) {
      current.clear();
    } else if (!current.empty()) {
      const std::string item = trim(line);
      if (!item.empty() && !item.starts_with("#")) groups[current].push_back(item);
    }
  }
  if (!groups.contains("@default")) return fail(Errc::kInternal, "no @default group in:\n" + out);
  return groups;
}

void expand(const std::map<std::string, std::vector<std::string>>& groups, const std::string& name,
            std::set<std::string>& out) {
  if (!name.starts_with("@")) {
    out.insert(name);
    return;
  }
  auto it = groups.find(name);
  if (it == groups.end()) return;
  for (const std::string& m : it->second) expand(groups, m, out);
}

int errno_of(const std::string& name) {
  static const std::map<std::string, int> kNames = {
      {"EPERM", EPERM}, {"EACCES", EACCES}, {"ENOSYS", ENOSYS}, {"EINVAL", EINVAL}};
  if (auto it = kNames.find(name); it != kNames.end()) return it->second;
  return std::atoi(name.c_str()) > 0 ? std::atoi(name.c_str()) : EPERM;
}

int family_of(const std::string& name) {
  static const std::map<std::string, int> kFamilies = {
      {"AF_UNIX", AF_UNIX},   {"AF_LOCAL", AF_UNIX},      {"AF_INET", AF_INET},
      {"AF_INET6", AF_INET6}, {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET},
      {"AF_VSOCK", AF_VSOCK}};
  auto it = kFamilies.find(name);
  return it == kFamilies.end() ? -1 : it->second;
}

// The uid and gid the daemon runs as, as DynamicUser= would pick one.
constexpr int kDynamicUid = 61234;

// Where the child failed before exec, reported through a pipe: no formatting
// (and no allocation) in the child of a multi-threaded process.
enum Step : int {
  kWaitMaps,
  kPrivateMounts,
  kCloneTree,
  kProtectSystem,
  kProc,
  kDev,
  kTmp,
  kPlaceDir,
  kHome,
  kChdir,
  kUser,
  kNoNewPrivs,
  kCapabilities,
  kSeccomp,
  kSendListener,
  kExec,
  kStepCount
};
constexpr const char* kStepNames[kStepCount] = {"waiting for the uid map",
                                                "MS_PRIVATE on /",
                                                "open_tree",
                                                "ProtectSystem=strict",
                                                "mounting /proc",
                                                "PrivateDevices=",
                                                "PrivateTmp=",
                                                "placing the test folder",
                                                "ProtectHome=",
                                                "chdir /",
                                                "DynamicUser=",
                                                "NoNewPrivileges=",
                                                "CapabilityBoundingSet=",
                                                "loading the seccomp filter",
                                                "passing the listener",
                                                "execve"};
struct ChildError {
  int step;
  int error;
};

// Everything the child needs, prepared before clone(): the child only makes
// system calls.
struct ChildPlan {
  bool namespaces = false;
  bool protect_system = false, private_devices = false, protect_home = false;
  bool no_new_privileges = false, drop_capabilities = false;
  bool become_dynamic_user = false;  // root without namespaces: switch to kDynamicUid
  std::string proc_options;          // for the new /proc
  std::optional<mode_t> umask;
  std::string dir, writable;                // outside paths
  std::string inside_dir, inside_writable;  // where they appear
  int exe_fd = -1;
  std::string exe_path;  // "/proc/self/fd/N" or the binary's path
  std::vector<char*> argv, envp;
  sock_fprog filter{};
  int log_fd = -1, null_fd = -1;
  int go_fd = -1, error_fd = -1, listener_socket = -1;
};

constexpr const char* kDevices[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                    "/dev/random", "/dev/urandom", "/dev/tty"};
constexpr std::size_t kDeviceCount = std::size(kDevices);

[[noreturn]] void child_fail(const ChildPlan& plan, int step) {
  const ChildError e{step, errno};
  (void)!write(plan.error_fd, &e, sizeof e);
  _exit(127);
}

// Mounts a fresh tmpfs on `path` when it is a directory.
bool tmpfs_on(const char* path, const char* options) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return true;
  return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0;
}

[[noreturn]] void child_main(const ChildPlan& plan) {
  if (plan.namespaces) {
    char go;
    if (read(plan.go_fd, &go, 1) != 1) child_fail(plan, kWaitMaps);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      child_fail(plan, kPrivateMounts);
    // Detached copies of what the new mounts will cover.
    const int dir_fd =
        open_tree(AT_FDCWD, plan.dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    const int writable_fd =
        open_tree(AT_FDCWD, plan.writable.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    int dev_fds[kDeviceCount];
    for (std::size_t i = 0; i < kDeviceCount; ++i) {
      dev_fds[i] = open_tree(AT_FDCWD, kDevices[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    }
    if (dir_fd < 0 || writable_fd < 0) child_fail(plan, kCloneTree);
    mount_attr ro{.attr_set = MOUNT_ATTR_RDONLY};
    if (plan.protect_system && mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0) {
      child_fail(plan, kProtectSystem);
    }
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              plan.proc_options.empty() ? nullptr : plan.proc_options.c_str()) != 0) {
      child_fail(plan, kProc);
    }
    if (plan.private_devices) {
      if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") != 0)
        child_fail(plan, kDev);
      for (std::size_t i = 0; i < kDeviceCount; ++i) {
        if (dev_fds[i] < 0) continue;  // absent on this machine
        const int f = open(kDevices[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (f < 0) child_fail(plan, kDev);
        close(f);
        if (move_mount(dev_fds[i], "", AT_FDCWD, kDevices[i], MOVE_MOUNT_F_EMPTY_PATH) != 0)
          child_fail(plan, kDev);
      }
      if (symlink("/proc/self/fd", "/dev/fd") != 0 || symlink("/proc/self/fd/0", "/dev/stdin") ||
          symlink("/proc/self/fd/1", "/dev/stdout") || symlink("/proc/self/fd/2", "/dev/stderr") ||
          mkdir("/dev/shm", 01777) != 0 ||
          mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
        child_fail(plan, kDev);
      }
    }
    // PrivateTmp=, and /tmp is where the test's folder goes either way.
    if (!tmpfs_on("/tmp", "mode=1777") || !tmpfs_on("/var/tmp", "mode=1777"))
      child_fail(plan, kTmp);
    if (mount_setattr(dir_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) != 0 ||
        mkdir(plan.inside_dir.c_str(), 0755) != 0 ||
        move_mount(dir_fd, "", AT_FDCWD, plan.inside_dir.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0 ||
        move_mount(writable_fd, "", AT_FDCWD, plan.inside_writable.c_str(),
                   MOVE_MOUNT_F_EMPTY_PATH) != 0) {
      child_fail(plan, kPlaceDir);
    }
    if (plan.protect_home && (!tmpfs_on("/home", "mode=000") || !tmpfs_on("/root", "mode=000") ||
                              !tmpfs_on("/run/user", "mode=000"))) {
      child_fail(plan, kHome);
    }
    if (chdir("/") != 0) child_fail(plan, kChdir);
  }
  // Raw calls: the C library's would try to reach the parent's other threads.
  if (plan.become_dynamic_user &&
      (syscall(SYS_setgroups, 0, nullptr) != 0 ||
       syscall(SYS_setresgid, kDynamicUid, kDynamicUid, kDynamicUid) != 0 ||
       syscall(SYS_setresuid, kDynamicUid, kDynamicUid, kDynamicUid) != 0)) {
    child_fail(plan, kUser);
  }
  if (plan.umask) ::umask(*plan.umask);
  if (plan.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    child_fail(plan, kNoNewPrivs);
  if (plan.drop_capabilities) {
    for (int cap = 0; cap <= 63; ++cap) {
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        child_fail(plan, kCapabilities);
    }
  }
  dup2(plan.null_fd, 0);
  dup2(plan.log_fd, 1);
  dup2(plan.log_fd, 2);
  const long listener =
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &plan.filter);
  if (listener < 0) child_fail(plan, kSeccomp);
  // From here on every call goes through the filter.
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  char byte = 'L';
  iovec iov{&byte, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  const int fd = static_cast<int>(listener);
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(plan.listener_socket, &msg, 0) != 1) child_fail(plan, kSendListener);
  close(fd);
  execve(plan.exe_path.c_str(), plan.argv.data(), plan.envp.data());
  child_fail(plan, kExec);
}

}  // namespace

std::vector<std::string> UnitFile::all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : service) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::optional<std::string> UnitFile::last(std::string_view key) const {
  auto values = all(key);
  if (values.empty()) return std::nullopt;
  return values.back();
}

bool UnitFile::yes(std::string_view key) const {
  const auto v = last(key);
  return v && (*v == "yes" || *v == "true" || *v == "on" || *v == "1");
}

Result<UnitFile> read_unit(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return fail(Errc::kIo, "cannot read " + file.string());
  UnitFile unit;
  std::string section;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line.starts_with("#") || line.starts_with(";")) continue;
    if (line.starts_with("[")) {
      section = line;
      continue;
    }
    const auto eq = line.find('=');
    if (section != "[Service]" || eq == std::string::npos) continue;
    unit.service.emplace_back(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
  }
  return unit;
}

Result<std::vector<std::string>> allowed_syscalls(const UnitFile& unit) {
  const auto filters = unit.all("SystemCallFilter");
  if (filters.empty() || filters.front().starts_with("~")) {
    return fail(Errc::kInvalid, "the unit's SystemCallFilter= is not an allow list");
  }
  auto groups = syscall_groups();
  if (!groups) return std::unexpected(groups.error());
  std::set<std::string> allowed;
  expand(*groups, "@default", allowed);  // systemd adds it to every allow list
  for (const std::string& value : filters) {
    if (value.empty()) {
      allowed.clear();
      expand(*groups, "@default", allowed);
      continue;
    }
    const bool remove = value.starts_with("~");
    for (std::string w : words(remove ? value.substr(1) : value)) {
      w = w.substr(0, w.find(':'));  // "name:errno" only matters for deny lists
      std::set<std::string> names;
      expand(*groups, w, names);
      for (const auto& n : names) remove ? (void)allowed.erase(n) : (void)allowed.insert(n);
    }
  }
  return std::vector<std::string>(allowed.begin(), allowed.end());
}

Result<std::unique_ptr<SandboxedProcess>> SandboxedProcess::start(
    const UnitFile& unit, const SandboxOptions& options, const std::vector<std::string>& argv,
    const std::vector<std::string>& env, const fs::path& log) {
  std::unique_ptr<SandboxedProcess> self(new SandboxedProcess);
  auto allowed = allowed_syscalls(unit);
  if (!allowed) return std::unexpected(allowed.error());
  if (auto e = unit.last("SystemCallErrorNumber")) self->default_error_ = errno_of(*e);

  // The settings reproduced here; anything else with a value is listed.
  static const std::set<std::string, std::less<>> kReproduced = {"SystemCallFilter",
                                                                 "SystemCallErrorNumber",
                                                                 "SystemCallArchitectures",
                                                                 "RestrictAddressFamilies",
                                                                 "MemoryDenyWriteExecute",
                                                                 "RestrictNamespaces",
                                                                 "LockPersonality",
                                                                 "RestrictRealtime",
                                                                 "RestrictSUIDSGID",
                                                                 "NoNewPrivileges",
                                                                 "UMask",
                                                                 "PrivateUsers",
                                                                 "ProtectSystem",
                                                                 "PrivateTmp",
                                                                 "ProtectHome",
                                                                 "PrivateDevices",
                                                                 "ProtectProc",
                                                                 "ProcSubset",
                                                                 "ProtectHostname",
                                                                 "CapabilityBoundingSet",
                                                                 "PrivateMounts",
                                                                 "AmbientCapabilities",
                                                                 "DynamicUser",
                                                                 "StateDirectory",
                                                                 "ConfigurationDirectory"};
  static const std::set<std::string, std::less<>> kNotSandboxing = {
      "Type",    "ExecStartPre", "ExecStart",   "ExecReload",
      "Restart", "RestartSec",   "WatchdogSec", "TimeoutStopSec"};
  const bool ns = options.namespaces;
  const bool become_dynamic_user = !ns && geteuid() == 0 && unit.yes("DynamicUser");
  for (const auto& [k, v] : unit.service) {
    const bool applies =
        kReproduced.contains(k) &&
        (ns || k.starts_with("SystemCall") || k == "RestrictAddressFamilies" ||
         (k == "DynamicUser" && become_dynamic_user) || k == "MemoryDenyWriteExecute" ||
         k == "RestrictNamespaces" || k == "LockPersonality" || k == "RestrictRealtime" ||
         k == "RestrictSUIDSGID" || k == "NoNewPrivileges" || k == "UMask");
    if (!applies && !kNotSandboxing.contains(k) &&
        std::find(self->not_reproduced_.begin(), self->not_reproduced_.end(), k) ==
            self->not_reproduced_.end()) {
      self->not_reproduced_.push_back(k);
    }
  }

  // The seccomp filter: allowed calls pass (some only with harmless
  // arguments), every other call is handed to this process.
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_NOTIFY);
  if (ctx == nullptr) return fail(Errc::kUnsupported, "libseccomp cannot notify on this kernel");
  std::unique_ptr<void, void (*)(void*)> release(ctx, [](void* c) { seccomp_release(c); });
  std::map<int, std::vector<std::vector<scmp_arg_cmp>>> conditional;  // nr -> allowed arg sets
  auto restrict_args = [&](const char* name, const std::string& setting, int error,
                           std::vector<std::vector<scmp_arg_cmp>> allowed_args) {
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
    if (nr < 0) return;
    conditional[nr] = std::move(allowed_args);
    self->argument_rules_.push_back({nr, setting, error});
  };
  if (auto families = unit.last("RestrictAddressFamilies"); families && !families->empty()) {
    if (families->starts_with("~")) {
      return fail(Errc::kInvalid, "RestrictAddressFamilies= as a deny list is not reproduced");
    }
    std::vector<std::vector<scmp_arg_cmp>> sets;
    for (const std::string& f : words(*families)) {
      const int family = family_of(f);
      if (family < 0) return fail(Errc::kInvalid, "unknown address family " + f);
      sets.push_back({SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))});
    }
    restrict_args("socket", "RestrictAddressFamilies", EAFNOSUPPORT, sets);
  }
  if (unit.yes("MemoryDenyWriteExecute")) {
    const scmp_datum_t wx = PROT_WRITE | PROT_EXEC;
    restrict_args("mmap", "MemoryDenyWriteExecute", EPERM,
                  {{SCMP_A2(SCMP_CMP_MASKED_EQ, wx, 0)},
                   {SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_WRITE)},
                   {SCMP_A2(SCMP_CMP_MASKED_EQ, wx, PROT_EXEC)}});
    for (const char* name : {"mprotect", "pkey_mprotect"}) {
      restrict_args(name, "MemoryDenyWriteExecute", EPERM,
                    {{SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}});
    }
    restrict_args("shmat", "MemoryDenyWriteExecute", EPERM,
                  {{SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, 0)}});
  }
  if (unit.yes("RestrictNamespaces")) {
    const scmp_datum_t ns_flags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
    for (const char* name : {"clone", "unshare"}) {
      restrict_args(name, "RestrictNamespaces", EPERM,
                    {{SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags, 0)}});
    }
    restrict_args("setns", "RestrictNamespaces", EPERM, {});
    // As systemd: clone3's flags are out of a filter's reach, so it says
    // ENOSYS and the C library falls back to clone.
    if (const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, "clone3"); nr >= 0) {
      conditional[nr] = {};
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
  }
  if (unit.yes("LockPersonality")) {
    restrict_args("personality", "LockPersonality", EPERM,
                  {{SCMP_A0(SCMP_CMP_EQ, 0)}, {SCMP_A0(SCMP_CMP_EQ, 0xffffffffu)}});
  }
  if (unit.yes("RestrictRealtime")) {
    restrict_args("sched_setscheduler", "RestrictRealtime", EPERM,
                  {{SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, SCHED_OTHER)},
                   {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, SCHED_BATCH)},
                   {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff, SCHED_IDLE)}});
  }
  if (unit.yes("RestrictSUIDSGID")) {
    const scmp_datum_t suid = S_ISUID | S_ISGID;
    restrict_args("chmod", "RestrictSUIDSGID", EPERM, {{SCMP_A1(SCMP_CMP_MASKED_EQ, suid, 0)}});
    restrict_args("fchmod", "RestrictSUIDSGID", EPERM, {{SCMP_A1(SCMP_CMP_MASKED_EQ, suid, 0)}});
    restrict_args("fchmodat", "RestrictSUIDSGID", EPERM, {{SCMP_A2(SCMP_CMP_MASKED_EQ, suid, 0)}});
  }
  std::set<int> allowed_numbers;
  for (const std::string& name : *allowed) {
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name.c_str());
    if (nr >= 0) allowed_numbers.insert(nr);  // unknown here, or another architecture's
  }
  for (const int nr : allowed_numbers) {
    auto it = conditional.find(nr);
    int rc = 0;
    if (it == conditional.end()) {
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    } else {
      for (const auto& args : it->second) {
        rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, static_cast<unsigned>(args.size()),
                                    args.data());
        if (rc != 0) break;
      }
    }
    if (rc != 0) return fail(Errc::kInternal, "seccomp_rule_add: " + std::string(strerror(-rc)));
  }
  // Refused for an argument only when the call itself is allowed.
  std::erase_if(self->argument_rules_,
                [&](const Rule& r) { return !allowed_numbers.contains(r.nr); });
  const int memfd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (memfd < 0 || seccomp_export_bpf(ctx, memfd) != 0) {
    return fail(Errc::kInternal, "cannot export the seccomp filter");
  }
  const off_t size = lseek(memfd, 0, SEEK_END);
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(memfd, program.data(), static_cast<std::size_t>(size), 0) != size) {
    return fail(Errc::kInternal, "cannot read the seccomp filter back");
  }
  close(memfd);

  ChildPlan plan;
  plan.namespaces = ns;
  plan.filter = {static_cast<unsigned short>(program.size()), program.data()};
  plan.no_new_privileges = true;  // implied by SystemCallFilter= for an unprivileged service
  if (auto mask = unit.last("UMask"))
    plan.umask = static_cast<mode_t>(std::stoul(*mask, nullptr, 8));
  plan.become_dynamic_user = become_dynamic_user;
  if (become_dynamic_user) {  // its state directory becomes its own, as systemd does it
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(options.writable, ec)) {
      (void)!lchown(e.path().c_str(), kDynamicUid, kDynamicUid);
    }
    if (chown(options.writable.c_str(), kDynamicUid, kDynamicUid) != 0) {
      return fail(Errc::kIo, "cannot chown " + options.writable.string());
    }
  }
  plan.dir = options.dir.string();
  plan.writable = options.writable.string();
  if (ns) {
    const auto strict = unit.last("ProtectSystem");
    plan.protect_system = strict == "strict";
    plan.private_devices = unit.yes("PrivateDevices");
    plan.protect_home = unit.yes("ProtectHome");
    plan.drop_capabilities = unit.last("CapabilityBoundingSet") == "";
    std::string proc;
    if (auto p = unit.last("ProtectProc"); p && *p != "default") proc = "hidepid=" + *p;
    if (unit.last("ProcSubset") == "pid")
      proc += (proc.empty() ? "" : ",") + std::string("subset=pid");
    plan.proc_options = proc;
    plan.inside_dir = std::string(kSandboxDir);
    plan.inside_writable =
        plan.inside_dir + "/" + options.writable.lexically_relative(options.dir).string();
  }
  plan.exe_fd = open(argv.at(0).c_str(), O_RDONLY | O_CLOEXEC);
  if (plan.exe_fd < 0) return fail(Errc::kIo, "cannot open " + argv[0]);
  plan.exe_path = ns ? "/proc/self/fd/" + std::to_string(plan.exe_fd) : argv[0];
  std::vector<std::string> args = argv, environment = env;
  for (auto& a : args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : environment) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  plan.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int go[2], error[2], sockets[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(error, O_CLOEXEC) != 0 ||
      socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return fail(Errc::kIo, "cannot create pipes");
  }
  plan.go_fd = go[0];
  plan.error_fd = error[1];
  plan.listener_socket = sockets[1];

  const long flags = SIGCHLD | (ns ? CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS : 0);
  const long pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
  if (pid == 0) child_main(plan);
  const int clone_errno = errno;
  for (int fd : {go[0], error[1], sockets[1], plan.exe_fd, plan.log_fd, plan.null_fd}) close(fd);
  auto cleanup = [&] {
    close(go[1]);
    close(error[0]);
    close(sockets[0]);
  };
  if (pid < 0) {
    cleanup();
    return fail(Errc::kUnsupported, "cannot create user, mount and PID namespaces here: " +
                                        std::string(strerror(clone_errno)));
  }
  self->pid_ = static_cast<pid_t>(pid);
  if (ns) {
    auto write_file = [&](const std::string& name, const std::string& text) {
      std::ofstream f("/proc/" + std::to_string(pid) + "/" + name);
      f << text;
      f.close();
      return static_cast<bool>(f);
    };
    const bool mapped =
        write_file("setgroups", "deny") &&
        write_file("uid_map",
                   std::to_string(kDynamicUid) + " " + std::to_string(getuid()) + " 1") &&
        write_file("gid_map", std::to_string(kDynamicUid) + " " + std::to_string(getgid()) + " 1");
    if (!mapped) {
      cleanup();
      return fail(Errc::kUnsupported, "cannot map a uid into the user namespace");
    }
    (void)!write(go[1], "g", 1);
  }
  // The listener arrives once the filter is in place; an error report or the
  // child's end closes the other pipes first.
  pollfd fds[2] = {{sockets[0], POLLIN, 0}, {error[0], POLLIN, 0}};
  poll(fds, 2, 20'000);
  ChildError child_error{};
  if (!(fds[0].revents & POLLIN)) {
    const bool reported = read(error[0], &child_error, sizeof child_error) == sizeof child_error;
    cleanup();
    std::string why =
        reported ? std::string(kStepNames[child_error.step]) + ": " + strerror(child_error.error)
                 : "it did not load its filter within 20 s";
    const bool unsupported =
        reported && (child_error.step == kSeccomp || child_error.step <= kProc ||
                     child_error.error == EPERM || child_error.error == EINVAL);
    return fail(unsupported ? Errc::kUnsupported : Errc::kInternal,
                "the sandboxed child failed before exec: " + why);
  }
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  char byte;
  iovec iov{&byte, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(sockets[0], &msg, 0) != 1 || CMSG_FIRSTHDR(&msg) == nullptr) {
    cleanup();
    return fail(Errc::kInternal, "did not receive the seccomp listener");
  }
  std::memcpy(&self->listener_, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
  self->notifier_ = std::thread([s = self.get()] { s->serve(s->listener_); });
  // execve failing is reported on the error pipe (closed on a successful exec).
  if (read(error[0], &child_error, sizeof child_error) == sizeof child_error) {
    cleanup();
    return fail(Errc::kInternal, std::string("the sandboxed child failed: ") +
                                     kStepNames[child_error.step] + ": " +
                                     strerror(child_error.error));
  }
  cleanup();
  return self;
}

void SandboxedProcess::serve(int listener) {
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (seccomp_notify_alloc(&req, &resp) != 0) return;
  while (!stop_) {
    pollfd p{listener, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if (p.revents & (POLLHUP | POLLERR)) break;
    std::memset(req, 0, sizeof *req);
    if (seccomp_notify_receive(listener, req) != 0) continue;
    const int nr = req->data.nr;
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    std::string what = name ? name : "syscall " + std::to_string(nr);
    std::free(name);
    std::string setting = "SystemCallFilter";
    int error = default_error_;
    for (const Rule& r : argument_rules_) {
      if (r.nr == nr) {
        setting = r.setting;
        error = r.error;
        if (r.setting == "RestrictAddressFamilies") {
          what += "(family " + std::to_string(req->data.args[0]) + ")";
        }
      }
    }
    {
      std::lock_guard lock(mutex_);
      denied_.push_back(what + " [" + setting + "]");
    }
    std::memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    resp->error = -error;
    seccomp_notify_respond(listener, resp);
  }
  seccomp_notify_free(req, resp);
}

SandboxedProcess::~SandboxedProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  stop_ = true;
  if (notifier_.joinable()) notifier_.join();
  if (listener_ >= 0) close(listener_);
}

void SandboxedProcess::signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

bool SandboxedProcess::running() { return wait(std::chrono::milliseconds(0)) == -1 && pid_ > 0; }

int SandboxedProcess::wait(std::chrono::milliseconds limit) {
  const bool exited = wait_for(
      [this] {
        int status = 0;
        if (pid_ <= 0) return true;
        if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return true;
      },
      limit, std::chrono::milliseconds(20));
  return exited ? exit_code_ : -1;
}

std::vector<std::string> SandboxedProcess::denied() const {
  std::lock_guard lock(mutex_);
  return denied_;
}

}  // namespace nw::test
