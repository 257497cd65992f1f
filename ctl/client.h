#pragma once

// One request to vigild's control socket: HTTP/1.1 over a unix stream socket, one request per
// connection, answered and closed by the daemon. Blocking, with an overall deadline: vigilctl
// is a command-line tool, not part of the daemon.

#include <chrono>
#include <string>

namespace vigil::ctl {

// Where vigild listens by default (its default pid file /run/vigild.pid, with .sock).
inline constexpr const char* kDefaultSocket = "/run/vigild.sock";

struct Reply {
  int status = 0;  // HTTP status; 0 when no reply was read
  std::string content_type;
  std::string body;
  std::string error;  // why there is no reply: connect failure, timeout, malformed answer
};

Reply request(const std::string& socket_path, const std::string& method, const std::string& path,
              std::chrono::milliseconds timeout);

// The head and body of an HTTP response as the daemon writes it; false if it is not one.
bool parse_reply(const std::string& raw, Reply& out);

}  // namespace vigil::ctl
