#include "ctl/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vigil::ctl {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

std::string connect_error(const std::string& path, int err) {
  std::string why = "cannot connect to " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ECONNREFUSED) {
    why +=
        " (is vigild running? a daemon started with -p or --control-socket has its socket "
        "elsewhere: use --socket)";
  } else if (err == EACCES || err == EPERM) {
    why += " (the control socket is for root)";
  }
  return why;
}

}  // namespace

bool parse_reply(const std::string& raw, Reply& out) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 9, "HTTP/1.1 ") != 0) return false;
  const std::string head = raw.substr(0, head_end);
  out.status = std::atoi(head.c_str() + 9);
  if (out.status < 100 || out.status > 599) return false;
  std::size_t length = std::string::npos;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-type") out.content_type = value;
      if (name == "content-length") length = std::strtoul(value.c_str(), nullptr, 10);
    }
    pos = next;
  }
  out.body = raw.substr(head_end + 4);
  return length == std::string::npos || out.body.size() == length;
}

Reply request(const std::string& socket_path, const std::string& method, const std::string& path,
              std::chrono::milliseconds timeout) {
  Reply reply;
  const auto deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof addr.sun_path) {
    reply.error = "socket path too long: " + socket_path;
    return reply;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    reply.error = std::string("socket: ") + std::strerror(errno);
    return reply;
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    reply.error = connect_error(socket_path, errno);
    return reply;
  }
  const std::string req =
      method + " " + path + " HTTP/1.1\r\nHost: vigild\r\nUser-Agent: vigilctl\r\n\r\n";
  std::size_t sent = 0;
  while (sent < req.size()) {
    if (!wait_for(fd.get(), POLLOUT, deadline)) {
      reply.error = "timed out sending the request";
      return reply;
    }
    const ssize_t n = ::send(fd.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // The daemon may answer (403) and close before reading: read what it said.
    if (n < 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    if (!wait_for(fd.get(), POLLIN, deadline)) {
      reply.error = "timed out waiting for vigild's answer";
      return reply;
    }
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    // A reset after the answer arrived (the daemon closed with our request unread) loses
    // nothing: what was read is parsed.
    if (n < 0 && errno == ECONNRESET && !raw.empty()) break;
    if (n < 0) {
      reply.error = std::string("reading the answer: ") + std::strerror(errno);
      return reply;
    }
    if (n == 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  if (!parse_reply(raw, reply)) {
    reply.status = 0;
    reply.error = raw.empty() ? "vigild closed the connection without an answer"
                              : "malformed answer from vigild";
  }
  return reply;
}

}  // namespace vigil::ctl
