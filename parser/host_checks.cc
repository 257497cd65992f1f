// Placeholder until host checks land.
#include "parser/host_checks.h"

namespace vigil::parser {
bool check_host(const config::Config&, const HostReferences&, Diagnostics&) { return false; }
}  // namespace vigil::parser
