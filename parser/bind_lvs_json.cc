// lvs_to_json: the effective LVS configuration (after finalize_lvs), keys in model order.
// Conventions (parser/binders.h): durations in seconds as numbers, addresses as strings,
// unset optional values null, enumerations as keepalived's words.
#include "parser/binders.h"
#include "parser/dump_json.h"

namespace vigil::parser {
namespace {

using json = nlohmann::ordered_json;
using config::Duration;

json seconds(Duration d) {
  if (d.count() % 1'000'000 == 0) return d.count() / 1'000'000;
  return static_cast<double>(d.count()) / 1e6;
}
json seconds(const std::optional<Duration>& d) { return d ? seconds(*d) : json(nullptr); }

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
json opt(const config::Boxed<std::string>& v) { return v ? json(*v) : json(nullptr); }
json opt_address(const std::optional<core::IpAddress>& a) {
  return a ? json(a->to_string()) : json(nullptr);
}
json opt_string(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

const char* scheduler_name(config::LvsScheduler s) {
  using S = config::LvsScheduler;
  switch (s) {
    case S::kRr:
      return "rr";
    case S::kWrr:
      return "wrr";
    case S::kLc:
      return "lc";
    case S::kWlc:
      return "wlc";
    case S::kLblc:
      return "lblc";
    case S::kSh:
      return "sh";
    case S::kMh:
      return "mh";
    case S::kDh:
      return "dh";
    case S::kFo:
      return "fo";
    case S::kOvf:
      return "ovf";
    case S::kLblcr:
      return "lblcr";
    case S::kSed:
      return "sed";
    case S::kNq:
      return "nq";
    case S::kTwos:
      return "twos";
  }
  return "";
}

json forwarding(const std::optional<config::ForwardingMethod>& f) {
  if (!f) return nullptr;
  using M = config::LvsMethod;
  json j;
  j["method"] = f->method == M::kNat ? "NAT" : f->method == M::kDr ? "DR" : "TUN";
  if (f->method == M::kTun) {
    using T = config::TunnelType;
    using C = config::TunnelChecksum;
    j["tunnel_type"] = f->tunnel_type == T::kIpip  ? "ipip"
                       : f->tunnel_type == T::kGue ? "gue"
                                                   : "gre";
    j["tunnel_port"] = f->tunnel_port ? json(f->tunnel_port) : json(nullptr);
    j["tunnel_checksum"] = f->tunnel_checksum == C::kNoCsum ? "nocsum"
                           : f->tunnel_checksum == C::kCsum ? "csum"
                                                            : "remcsum";
  }
  return j;
}

json family(const std::optional<core::Family>& f) {
  return f ? json(std::string(core::family_name(*f))) : json(nullptr);
}

json script(const config::ScriptCommand* s) {
  if (!s) return nullptr;
  json j;
  j["command"] = s->command;
  j["user"] = opt_string(s->user);
  j["group"] = opt_string(s->group);
  return j;
}

json script(const std::optional<config::ScriptCommand>& s) { return script(s ? &*s : nullptr); }
json script(const config::Boxed<config::ScriptCommand>& s) { return script(s.get()); }

json hex(const std::optional<config::HexData>& h) {
  if (!h) return nullptr;
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < h->bytes.size(); ++i) {
    std::uint8_t m = h->mask.empty() ? 0 : h->mask[i];
    s += (m & 0xf0) ? 'x' : digits[h->bytes[i] >> 4];
    s += (m & 0x0f) ? 'x' : digits[h->bytes[i] & 0x0f];
  }
  return s;
}

json status_codes(const config::HttpUrl& u) {
  // Ranges as keepalived writes them: "200-299", single codes as numbers in a string list.
  json list = json::array();
  unsigned code = config::HttpUrl::kMinStatus;
  while (code <= config::HttpUrl::kMaxStatus) {
    if (!u.accepts(code)) {
      ++code;
      continue;
    }
    unsigned end = code;
    while (end + 1 <= config::HttpUrl::kMaxStatus && u.accepts(end + 1)) ++end;
    list.push_back(end == code ? std::to_string(code)
                               : std::to_string(code) + "-" + std::to_string(end));
    code = end + 1;
  }
  return list;
}

const char* checker_name(config::CheckerType t) {
  using T = config::CheckerType;
  switch (t) {
    case T::kTcp:
      return "TCP_CHECK";
    case T::kHttp:
      return "HTTP_GET";
    case T::kSsl:
      return "SSL_GET";
    case T::kMisc:
      return "MISC_CHECK";
    case T::kSmtp:
      return "SMTP_CHECK";
    case T::kDns:
      return "DNS_CHECK";
    case T::kUdp:
      return "UDP_CHECK";
    case T::kPing:
      return "PING_CHECK";
    case T::kFile:
      return "FILE_CHECK";
  }
  return "";
}

const char* dns_type_name(config::DnsType t) {
  using T = config::DnsType;
  switch (t) {
    case T::kA:
      return "A";
    case T::kNs:
      return "NS";
    case T::kCname:
      return "CNAME";
    case T::kSoa:
      return "SOA";
    case T::kMx:
      return "MX";
    case T::kTxt:
      return "TXT";
    case T::kAaaa:
      return "AAAA";
    case T::kRrsig:
      return "RRSIG";
    case T::kDnskey:
      return "DNSKEY";
  }
  return "";
}

void details_json(const config::Checker& c, json& j) {
  std::visit(
      [&](const auto& d) {
        using D = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<D, config::HttpCheck>) {
          using P = config::HttpProtocol;
          j["http_protocol"] = d.http_protocol == P::k1_0    ? "1.0"
                               : d.http_protocol == P::k1_0C ? "1.0C"
                                                             : "1.1";
          j["virtualhost"] = opt(d.virtualhost);
          j["enable_sni"] = d.enable_sni;
          j["fast_recovery"] = d.fast_recovery;
          if (c.type == config::CheckerType::kSsl) {
            const config::TlsVerify none;
            const config::TlsVerify& v = d.verify ? *d.verify : none;
            j["verify_certificate"] = v.enabled;
            j["verify_ca_file"] = opt_string(v.ca_file);
            j["verify_ca_path"] = opt_string(v.ca_path);
            j["verify_host"] = opt_string(v.host);
          }
          json urls = json::array();
          for (const auto& u : d.urls) {
            json uj;
            uj["path"] = u.path;
            uj["digest"] = opt(u.digest);
            uj["status_code"] = status_codes(u);
            uj["virtualhost"] = opt(u.virtualhost);
            const config::HttpRegex none;
            const config::HttpRegex& r = u.regex ? *u.regex : none;
            uj["regex"] = u.regex ? json(r.pattern) : json(nullptr);
            uj["regex_no_match"] = r.no_match;
            uj["regex_options"] = r.options;
            uj["regex_min_offset"] = r.min_offset;
            uj["regex_max_offset"] = opt(r.max_offset);
            uj["regex_stack"] =
                r.stack ? json::array({r.stack->first, r.stack->second}) : json(nullptr);
            urls.push_back(std::move(uj));
          }
          j["urls"] = std::move(urls);
        } else if constexpr (std::is_same_v<D, config::MiscCheck>) {
          j["misc_path"] = d.path;
          j["misc_timeout"] = seconds(d.timeout);
          j["misc_dynamic"] = d.dynamic;
          j["user"] = opt_string(d.user);
          j["group"] = opt_string(d.group);
        } else if constexpr (std::is_same_v<D, config::SmtpCheck>) {
          j["helo_name"] = d.helo_name;
        } else if constexpr (std::is_same_v<D, config::DnsCheck>) {
          j["type"] = dns_type_name(d.type);
          j["name"] = d.name;
        } else if constexpr (std::is_same_v<D, config::UdpCheck>) {
          j["payload"] = hex(d.payload);
          j["require_reply"] = d.require_reply;
          j["reply"] = hex(d.reply);
          j["min_reply_length"] = d.min_reply_length;
          j["max_reply_length"] = d.max_reply_length;
        } else if constexpr (std::is_same_v<D, config::FileCheck>) {
          j["track_file"] = d.track_file;
          j["weight"] = opt(d.weight);
          j["reverse"] = d.reverse;
        }
      },
      c.details);
}

json checker_json(const config::Checker& c) {
  json j;
  j["type"] = checker_name(c.type);
  if (c.connection) {
    const auto& co = *c.connection;
    j["connect_ip"] = opt_address(co.connect_ip);
    j["connect_port"] = opt(co.connect_port);
    j["bindto"] = opt_address(co.bindto);
    j["bind_port"] = opt(co.bind_port);
    j["bind_if"] = opt_string(co.bind_if);
    j["fwmark"] = co.fwmark ? json(co.fwmark) : json(nullptr);
    j["connect_timeout"] = seconds(co.connect_timeout);
  }
  if (c.type != config::CheckerType::kFile) {
    j["delay_loop"] = seconds(c.delay_loop);
    j["warmup"] = seconds(c.warmup);
    j["retry"] = opt(c.retry);
    j["delay_before_retry"] = seconds(c.delay_before_retry);
    j["alpha"] = opt(c.alpha);
    j["rise"] = c.rise;
    j["log_all_failures"] = c.log_all_failures;
  }
  details_json(c, j);
  return j;
}

json real_server_json(const config::RealServer& rs) {
  json j;
  j["address"] = rs.address.to_string();
  j["port"] = rs.port ? json(rs.port) : json(nullptr);
  j["weight"] = opt(rs.weight);
  j["lvs_method"] = forwarding(rs.forwarding);
  j["inhibit_on_failure"] = opt(rs.inhibit_on_failure);
  j["notify_up"] = script(rs.notify_up);
  j["notify_down"] = script(rs.notify_down);
  j["uthreshold"] = rs.uthreshold;
  j["lthreshold"] = rs.lthreshold;
  j["alpha"] = opt(rs.alpha);
  j["retry"] = opt(rs.retry);
  j["delay_before_retry"] = seconds(rs.delay_before_retry);
  j["warmup"] = seconds(rs.warmup);
  j["delay_loop"] = seconds(rs.delay_loop);
  j["connect_timeout"] = seconds(rs.connect_timeout);
  j["smtp_alert"] = opt(rs.smtp_alert);
  j["virtualhost"] = opt(rs.virtualhost);
  json checkers = json::array();
  for (const auto& c : rs.checkers) checkers.push_back(checker_json(c));
  j["checkers"] = std::move(checkers);
  return j;
}

json virtual_server_json(const config::VirtualServer& vs) {
  using K = config::VirtualServer::Kind;
  json j;
  j["name"] = vs.name();
  j["address"] = vs.kind == K::kAddress ? json(vs.address.to_string()) : json(nullptr);
  j["port"] = vs.kind == K::kAddress && vs.port ? json(vs.port) : json(nullptr);
  j["fwmark"] = vs.kind == K::kFwmark ? json(vs.fwmark) : json(nullptr);
  j["group"] = vs.kind == K::kGroup ? json(vs.group) : json(nullptr);
  j["ip_family"] = family(vs.family);
  j["lvs_sched"] = vs.scheduler ? json(scheduler_name(*vs.scheduler)) : json(nullptr);
  j["lvs_method"] = forwarding(vs.forwarding);
  using P = config::LvsProtocol;
  j["protocol"] = vs.protocol ? json(*vs.protocol == P::kTcp   ? "TCP"
                                     : *vs.protocol == P::kUdp ? "UDP"
                                                               : "SCTP")
                              : json(nullptr);
  j["ops"] = vs.ops;
  j["flag-1"] = vs.flag_1;
  j["flag-2"] = vs.flag_2;
  j["flag-3"] = vs.flag_3;
  j["sh-port"] = vs.sh_port;
  j["sh-fallback"] = vs.sh_fallback;
  j["mh-port"] = vs.mh_port;
  j["mh-fallback"] = vs.mh_fallback;
  j["persistence_timeout"] = vs.persistence_timeout;
  j["persistence_engine"] = opt(vs.persistence_engine);
  j["persistence_granularity"] =
      vs.persistence_granularity_mask     ? json(vs.persistence_granularity_mask->to_string())
      : vs.persistence_granularity_prefix ? json(*vs.persistence_granularity_prefix)
                                          : json(nullptr);
  j["ha_suspend"] = vs.ha_suspend;
  j["smtp_alert"] = opt(vs.smtp_alert);
  j["virtualhost"] = opt(vs.virtualhost);
  j["alpha"] = vs.alpha;
  j["omega"] = vs.omega;
  j["quorum"] = vs.quorum;
  j["hysteresis"] = vs.hysteresis;
  j["quorum_up"] = script(vs.quorum_up);
  j["quorum_down"] = script(vs.quorum_down);
  j["weight"] = vs.weight;
  j["connect_timeout"] = seconds(vs.connect_timeout);
  j["delay_loop"] = seconds(vs.delay_loop);
  j["retry"] = opt(vs.retry);
  j["delay_before_retry"] = seconds(vs.delay_before_retry);
  j["warmup"] = seconds(vs.warmup);
  j["inhibit_on_failure"] = vs.inhibit_on_failure;
  if (vs.sorry_server) {
    const auto& s = *vs.sorry_server;
    json sj;
    sj["address"] = s.address.to_string();
    sj["port"] = s.port ? json(s.port) : json(nullptr);
    sj["lvs_method"] = forwarding(s.forwarding);
    sj["inhibit"] = s.inhibit;
    j["sorry_server"] = std::move(sj);
  } else {
    j["sorry_server"] = nullptr;
  }
  json rss = json::array();
  for (const auto& rs : vs.real_servers) rss.push_back(real_server_json(rs));
  j["real_servers"] = std::move(rss);
  return j;
}

json group_json(const config::VirtualServerGroup& g) {
  json j;
  j["name"] = g.name;
  json entries = json::array();
  for (const auto& e : g.entries) {
    json ej;
    if (e.is_fwmark) {
      ej["fwmark"] = e.fwmark;
      ej["ip_family"] = family(e.fwmark_family);
    } else {
      ej["first"] = e.first.to_string();
      ej["last"] = e.last.to_string();
      ej["port"] = e.port ? json(e.port) : json(nullptr);
    }
    entries.push_back(std::move(ej));
  }
  j["entries"] = std::move(entries);
  return j;
}

}  // namespace

nlohmann::ordered_json lvs_to_json(const config::Config& config) {
  const auto& lvs = config.lvs;
  json j;
  if (lvs.ssl) {
    json s;
    s["password"] = opt(lvs.ssl->password);
    s["ca"] = opt(lvs.ssl->ca);
    s["certificate"] = opt(lvs.ssl->certificate);
    s["key"] = opt(lvs.ssl->key);
    j["ssl"] = std::move(s);
  } else {
    j["ssl"] = nullptr;
  }
  json groups = json::array();
  for (const auto& g : lvs.groups) groups.push_back(group_json(g));
  j["virtual_server_groups"] = std::move(groups);
  json vss = json::array();
  for (const auto& vs : lvs.virtual_servers) vss.push_back(virtual_server_json(vs));
  j["virtual_servers"] = std::move(vss);
  return j;
}

std::string checker_identity(const config::Checker& checker) {
  return checker_json(checker).dump();
}

std::string probe_identity(const config::Checker& checker) {
  json j = checker_json(checker);
  for (const char* key : {"delay_loop", "warmup", "retry", "delay_before_retry", "alpha", "rise",
                          "log_all_failures"}) {
    j.erase(key);
  }
  return j.dump();
}

}  // namespace vigil::parser
