#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "parser/source_location.h"

namespace vigil::parser {

enum class Severity { kError, kWarning };

// What a diagnostic means for `vigild -t`'s exit code. keepalived 2.2.7 exits 5 for anything
// it reports about the file's contents, warnings included; vigil does the same, except for its
// own notices about keywords it accepts but does not implement (SNMP, DBus, BFD, ...), which a
// keepalived config may carry and which keepalived itself would not complain about.
enum class Impact { kConfig, kInformational };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;
  Impact impact = Impact::kConfig;

  // "file:line:col: error: message"
  std::string str() const;
};

// Collects diagnostics; nothing below the daemon prints. Bounded so that a pathological input
// (a million bad lines) cannot exhaust memory: past the limit only the counts go up.
class Diagnostics {
 public:
  static constexpr std::size_t kMaxStored = 1000;

  void error(const SourceLocation& at, std::string message);
  void warning(const SourceLocation& at, std::string message);
  // A keyword keepalived accepts that vigil parses but does not act on: one warning, no effect
  // on the exit code.
  void unsupported(const SourceLocation& at, std::string message);
  void add(Diagnostic d);
  void append(const Diagnostics& other);
  // Adds everything `other` counted after what this one holds, as if it had been reported
  // here: the counts in full, the entries up to the bound. The parser's stages report into
  // separate collectors while they run interleaved, and are joined in stage order.
  void absorb(Diagnostics&& other);

  const std::vector<Diagnostic>& entries() const { return entries_; }
  std::size_t error_count() const { return errors_; }
  std::size_t warning_count() const { return warnings_; }
  bool has_errors() const { return errors_ != 0; }
  // True when nothing was reported that keepalived would count against the file.
  bool clean() const { return errors_ == 0 && config_warnings_ == 0; }
  // Number of diagnostics dropped after kMaxStored.
  std::size_t suppressed() const { return suppressed_; }
  // Past the bound a new diagnostic is only counted: callers may skip costly message details
  // (did-you-mean suggestions) that nobody would see.
  bool full() const { return entries_.size() >= kMaxStored; }

 private:
  std::vector<Diagnostic> entries_;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  std::size_t config_warnings_ = 0;
  std::size_t suppressed_ = 0;
};

}  // namespace vigil::parser
