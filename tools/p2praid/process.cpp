// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "p2praid/errors.hpp"

// POSIX, for posix_spawn.
// NOLINTNEXTLINE(readability-redundant-declaration,cppcoreguidelines-avoid-non-const-global-variables)
extern char** environ;

namespace p2praid::proc {
namespace {

constexpr std::size_t kMaxErr = std::size_t{64} * 1024;
constexpr std::size_t kWriteChunk = std::size_t{64} * 1024;

// A pipe whose ends close on every path.
class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_.data(), O_CLOEXEC) != 0) {
      throw CommandError(std::string("cannot make a pipe: ") + std::strerror(errno));
    }
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  Pipe(Pipe&&) = delete;
  Pipe& operator=(Pipe&&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }

  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  std::array<int, 2> fds_{-1, -1};
};

// Ignores SIGPIPE while it lives, so that writing to a program that has
// stopped reading gives EPIPE instead of ending this process.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;  // NOLINT(cppcoreguidelines-pro-type-union-access)
    ::sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &old_);
  }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe(IgnoreSigpipe&&) = delete;
  IgnoreSigpipe& operator=(IgnoreSigpipe&&) = delete;
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

// posix_spawn attributes and file actions, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup(const Pipe& in, const Pipe& out, const Pipe& err) {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawn_file_actions_adddup2(&actions_, in.read_end(), STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions_, out.write_end(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions_, err.write_end(), STDERR_FILENO);
    ::posix_spawnattr_init(&attr_);
    // The program starts with SIGPIPE at its default, whatever this
    // process does with it, and with no signal blocked.
    sigset_t defaults;
    ::sigemptyset(&defaults);
    ::sigaddset(&defaults, SIGPIPE);
    ::posix_spawnattr_setsigdefault(&attr_, &defaults);
    sigset_t none;
    ::sigemptyset(&none);
    ::posix_spawnattr_setsigmask(&attr_, &none);
    ::posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  SpawnSetup(SpawnSetup&&) = delete;
  SpawnSetup& operator=(SpawnSetup&&) = delete;
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
};

// Appends what is readable on `fd` to `to` (up to `limit` bytes kept);
// false at end of file.
bool drain(int fd, std::string& to, std::size_t limit) {
  std::array<char, 4096> buf{};
  const auto n = ::read(fd, buf.data(), buf.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const auto keep = std::min(static_cast<std::size_t>(n), limit - std::min(limit, to.size()));
  to.append(buf.data(), keep);
  return true;
}

// Writes `input` to `in` and reads `out` and `err` until both end, so that
// neither side waits for the other with a full pipe.
void exchange(Pipe& in, Pipe& out, Pipe& err, const std::string& input, Outcome& o) {
  const IgnoreSigpipe ignore;
  std::size_t written = 0;
  if (input.empty()) in.close_write();
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    std::array<pollfd, 3> fds{{{out_open ? out.read_end() : -1, POLLIN, 0},
                               {err_open ? err.read_end() : -1, POLLIN, 0},
                               {in.write_end(), POLLOUT, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw CommandError(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[0].revents != 0) out_open = drain(out.read_end(), o.out, std::string::npos);
    if (fds[1].revents != 0) err_open = drain(err.read_end(), o.err, kMaxErr);
    if (fds[2].revents == 0) continue;
    const auto n = ::write(in.write_end(), input.data() + written,  // NOLINT
                           std::min(input.size() - written, kWriteChunk));
    if (n > 0) written += static_cast<std::size_t>(n);
    // EPIPE: the program stopped reading; its exit status will say why.
    if ((n < 0 && errno != EINTR && errno != EAGAIN) || written == input.size()) in.close_write();
  }
}

// Where `name` runs from: as given if it has a slash, else the first
// executable regular file of that name in PATH, then in the system
// directories. Those come last so that PATH still decides, and they are
// there because a PATH without the sbin directories is common (services,
// minimal init environments, users other than root) while sfdisk lives
// in /usr/sbin. Empty if there is none.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  std::vector<std::string> dirs;
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read only
  for (std::string_view rest = path != nullptr ? path : ""; !rest.empty();) {
    const auto colon = rest.find(':');
    const auto dir = rest.substr(0, colon);
    if (!dir.empty()) dirs.emplace_back(dir);  // an empty entry (the cwd) is not searched
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  dirs.insert(dirs.end(), system_dirs().begin(), system_dirs().end());
  for (const auto& dir : dirs) {
    std::string candidate = dir;
    candidate += '/';
    candidate += name;
    struct ::stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::vector<std::string>& system_dirs() {
  static std::vector<std::string> dirs{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                       "/usr/bin",        "/sbin",          "/bin"};
  return dirs;
}

Outcome run(const std::vector<std::string>& argv, const std::string& input) {
  Pipe in;
  Pipe out;
  Pipe err;
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT
  args.push_back(nullptr);
  const std::string program = find_program(argv.at(0));
  if (program.empty())
    throw CommandError("cannot run " + argv.at(0) + ": " + std::strerror(ENOENT));
  pid_t pid = 0;
  {
    const SpawnSetup setup(in, out, err);
    const int rc =
        ::posix_spawn(&pid, program.c_str(), setup.actions(), setup.attr(), args.data(), environ);
    if (rc != 0) throw CommandError("cannot run " + argv.at(0) + ": " + std::strerror(rc));
  }
  in.close_read();
  out.close_write();
  err.close_write();
  ::fcntl(in.write_end(), F_SETFL, O_NONBLOCK);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  Outcome o;
  try {
    exchange(in, out, err, input, o);
  } catch (...) {
    in.close_write();
    ::waitpid(pid, &o.wait_status, 0);
    throw;
  }
  in.close_write();
  while (::waitpid(pid, &o.wait_status, 0) < 0) {
    if (errno != EINTR) {
      throw CommandError("cannot wait for " + argv.at(0) + ": " + std::strerror(errno));
    }
  }
  return o;
}

std::string describe(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) +
           (name != nullptr ? " (" + std::string(name) + ")" : std::string());
  }
  return "ended with wait status " + std::to_string(wait_status);
}

bool succeeded(const Outcome& outcome) {
  return WIFEXITED(outcome.wait_status) && WEXITSTATUS(outcome.wait_status) == 0;
}

std::string failure(const std::string& program, const Outcome& outcome) {
  std::string msg = program + " " + describe(outcome.wait_status);
  const std::string err = trimmed(outcome.err);
  if (!err.empty()) msg += ": " + err;
  return msg;
}

}  // namespace p2praid::proc
