#include "parser/diagnostics.h"

#include <utility>

namespace vigil::parser {

std::string Diagnostic::str() const {
  std::string out = location.str();
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  out += message;
  return out;
}

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::kError) {
    ++errors_;
  } else {
    ++warnings_;
    if (d.impact == Impact::kConfig) ++config_warnings_;
  }
  if (entries_.size() >= kMaxStored) {
    ++suppressed_;
    return;
  }
  entries_.push_back(std::move(d));
}

void Diagnostics::error(const SourceLocation& at, std::string message) {
  add({Severity::kError, at, std::move(message), Impact::kConfig});
}

void Diagnostics::warning(const SourceLocation& at, std::string message) {
  add({Severity::kWarning, at, std::move(message), Impact::kConfig});
}

void Diagnostics::unsupported(const SourceLocation& at, std::string message) {
  add({Severity::kWarning, at, std::move(message), Impact::kInformational});
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.entries_) add(d);
  suppressed_ += other.suppressed_;
}

void Diagnostics::absorb(Diagnostics&& other) {
  errors_ += other.errors_;
  warnings_ += other.warnings_;
  config_warnings_ += other.config_warnings_;
  suppressed_ += other.suppressed_;
  for (Diagnostic& d : other.entries_) {
    if (entries_.size() >= kMaxStored) {
      ++suppressed_;
    } else {
      entries_.push_back(std::move(d));
    }
  }
  other = Diagnostics{};
}

}  // namespace vigil::parser
