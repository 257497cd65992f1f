#include "checkers/make_check.h"

#include "checkers/dns_check.h"
#include "checkers/http_check.h"
#include "checkers/misc_check.h"
#include "checkers/ping_check.h"
#include "checkers/smtp_check.h"
#include "checkers/tcp_check.h"
#include "checkers/udp_check.h"

namespace vigil::checkers {

std::unique_ptr<Check> make_check(const config::Checker& checker, const config::RealServer& rs,
                                  const config::VirtualServer& vs, CheckContext& context,
                                  std::string* why) {
  switch (checker.type) {
    case config::CheckerType::kTcp:
      return make_tcp_check(checker, rs, vs, context, why);
    case config::CheckerType::kHttp:
      return make_http_check(checker, rs, vs, context, why);
    case config::CheckerType::kSsl:
      return make_ssl_check(checker, rs, vs, context, why);
    case config::CheckerType::kMisc:
      return make_misc_check(checker, rs, vs, context, why);
    case config::CheckerType::kSmtp:
      return make_smtp_check(checker, rs, vs, context, why);
    case config::CheckerType::kDns:
      return make_dns_check(checker, rs, vs, context, why);
    case config::CheckerType::kUdp:
      return make_udp_check(checker, rs, vs, context, why);
    case config::CheckerType::kPing:
      return make_ping_check(checker, rs, vs, context, why);
    case config::CheckerType::kFile:
      break;
  }
  if (why) *why = "FILE_CHECK follows its track_file; it is not a probe";
  return nullptr;
}

}  // namespace vigil::checkers
