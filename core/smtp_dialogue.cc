#include "core/smtp_dialogue.h"

#include <cctype>

namespace vigil::core::smtp {

std::optional<unsigned> reply_code(std::string_view line) {
  if (line.size() < 3) return std::nullopt;
  unsigned code = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return std::nullopt;
    code = code * 10 + static_cast<unsigned>(line[i] - '0');
  }
  return code;
}

std::string printable(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string out(line.substr(0, 80));
  for (char& c : out) {
    if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
  }
  return out;
}

bool add_reply_line(Reply& reply, std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  reply.code = reply_code(line);
  reply.last_line = printable(line);
  reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
  // "ddd-text" continues the reply; anything else (including a line without a code) ends it.
  return !(line.size() > 3 && line[3] == '-' && reply.code);
}

std::string data_block(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = false;
  }
  out += line_start && !out.empty() ? ".\r\n" : "\r\n.\r\n";
  return out;
}

}  // namespace vigil::core::smtp
