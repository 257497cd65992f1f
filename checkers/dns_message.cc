#include "checkers/dns_message.h"

namespace vigil::checkers::dns {
namespace {

constexpr std::uint16_t kFlagQr = 0x8000;
constexpr std::uint16_t kFlagRd = 0x0100;
constexpr std::uint16_t kClassIn = 1;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 255;

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

std::uint16_t get16(std::span<const std::uint8_t> in, std::size_t at) {
  return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}

}  // namespace

std::uint16_t type_code(config::DnsType type) {
  switch (type) {
    case config::DnsType::kA:
      return 1;
    case config::DnsType::kNs:
      return 2;
    case config::DnsType::kCname:
      return 5;
    case config::DnsType::kSoa:
      return 6;
    case config::DnsType::kMx:
      return 15;
    case config::DnsType::kTxt:
      return 16;
    case config::DnsType::kAaaa:
      return 28;
    case config::DnsType::kRrsig:
      return 46;
    case config::DnsType::kDnskey:
      return 48;
  }
  return 6;  // keepalived's default type is SOA
}

std::optional<std::vector<std::uint8_t>> encode_query(std::uint16_t id, std::string_view name,
                                                      std::uint16_t type) {
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderSize + name.size() + 2 + 4);
  put16(out, id);
  put16(out, kFlagRd);
  put16(out, 1);  // QDCOUNT
  put16(out, 0);  // ANCOUNT
  put16(out, 0);  // NSCOUNT
  put16(out, 0);  // ARCOUNT

  // QNAME: length-prefixed labels and the root's empty label. keepalived leaves the final zero
  // octet out for a name with a trailing dot other than "." (dns_make_query); we always write it.
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::size_t encoded = 1;  // the root label
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabel) return std::nullopt;
    encoded += 1 + label.size();
    if (encoded > kMaxName) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
    if (name.empty()) return std::nullopt;  // "a.." : an empty last label
  }
  out.push_back(0);
  put16(out, type);
  put16(out, kClassIn);
  return out;
}

Reply judge_reply(std::uint16_t id, std::span<const std::uint8_t> datagram) {
  Reply r;
  if (datagram.size() < kHeaderSize) return r;
  if (get16(datagram, 0) != id) return r;
  const std::uint16_t flags = get16(datagram, 2);
  if ((flags & kFlagQr) == 0) return r;
  r.rcode = flags & 0x000f;
  r.verdict = r.rcode == 0 ? ReplyVerdict::kPass : ReplyVerdict::kFail;
  return r;
}

}  // namespace vigil::checkers::dns
