// libFuzzer target for the whole configuration front end: preprocessor, block tree, binders,
// finalisation and the JSON dump that `vigild -d` prints. The input is one configuration file.
//
// What counts as a finding: any sanitizer report, any exception escaping (parse_config_text
// promises never to throw for bad input), a leak, a hang (-timeout) or runaway memory
// (-rss_limit_mb). The bounds below keep legitimate expansion (~SEQ, $NAME recursion, nested
// includes) small, so that a finding means a missing bound rather than a big but valid input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parser/dump_json.h"
#include "parser/parse.h"

namespace {

vigil::parser::ParseOptions fuzz_options() {
  vigil::parser::ParseOptions options;
  options.config_id = "fuzz";
  // Host checks look at interfaces and script files of the machine running the fuzzer: not
  // deterministic, and not what is under test here.
  options.host_checks = false;
  options.max_include_depth = 4;
  options.max_definition_depth = 16;
  options.max_lines = 20'000;
  options.max_sequence_expansion = 20'000;
  return options;
}

// Relative `include` patterns resolve against the directory of the including file: name the
// input as if it lived in a directory that does not exist, so that they match nothing.
// (Absolute patterns still reach the file system; see tests/fuzz/README.md.)
constexpr std::string_view kInputName = "/nonexistent/vigil-fuzz/fuzz.conf";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vigil::parser::ParseOptions options = fuzz_options();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::parser::ParseResult result = vigil::parser::parse_config_text(text, kInputName, options);

  // What `vigild -t` prints: every stored diagnostic, then the exit code.
  std::size_t chars = 0;
  for (const auto& d : result.diagnostics.entries()) chars += d.str().size();
  if (result.diagnostics.entries().size() > vigil::parser::Diagnostics::kMaxStored) std::abort();

  // Diagnostics promise a bound; the exit code must agree with what was reported.
  const auto& diag = result.diagnostics;
  const bool ok = result.exit_code() == vigil::parser::ExitCode::kOk;
  if (ok != (diag.clean() && !result.script_security_violation)) std::abort();
  if (diag.has_errors() && diag.clean()) std::abort();

  // What `vigild -d` prints. keepalived accepts any bytes in strings; the dump must not throw
  // on them (regressions/json_dump_invalid_utf8.conf).
  const std::string json = vigil::parser::config_json_text(result.config);
  if (json.empty() || (chars == 0 && !result.diagnostics.entries().empty())) std::abort();
  return 0;
}
