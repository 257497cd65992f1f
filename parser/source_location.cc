#include "parser/source_location.h"

#include <mutex>
#include <set>

namespace vigil::parser {

std::string SourceLocation::str() const {
  std::string out(file.empty() ? std::string_view("<input>") : file);
  if (line != 0) {
    out += ':' + std::to_string(line);
    if (column != 0) out += ':' + std::to_string(column);
  }
  return out;
}

std::string_view intern_file_name(std::string_view name) {
  // std::set nodes never move, so views into them stay valid; file names are few.
  static std::mutex mutex;
  static std::set<std::string, std::less<>> pool;
  std::lock_guard lock(mutex);
  auto it = pool.find(name);
  if (it == pool.end()) it = pool.emplace(name).first;
  return *it;
}

}  // namespace vigil::parser
