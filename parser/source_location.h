#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::parser {

// Where a token came from. `file` points into a process-wide pool of interned names, so a
// location is two words and a pointer and copies freely into the configuration model.
struct SourceLocation {
  std::string_view file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  // "file:line:col" (or "file:line" / "file" when the finer parts are unknown).
  std::string str() const;
  bool operator==(const SourceLocation&) const = default;
};

// Returns a view of `name` that stays valid for the life of the process.
std::string_view intern_file_name(std::string_view name);

}  // namespace vigil::parser
