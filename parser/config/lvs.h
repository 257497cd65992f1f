#pragma once

// SSL, virtual_server_group, virtual_server, real_server and checkers. Owned by the LVS
// binder (parser/bind_lvs*.cc, parser/bind_checkers*.cc).
//
// Binding records what the file says (std::optional for "not given"); finalize_lvs then applies
// keepalived 2.2.7's defaults and inheritance (virtual_server -> real_server -> checker) and its
// corrections, so that after parsing the model is what vigil will do.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "parser/config/boxed.h"
#include "parser/config/checkers.h"
#include "parser/source_location.h"

namespace vigil::config {

// IPVS schedulers keepalived 2.2.7 accepts (lvs_sched / lb_algo).
enum class LvsScheduler {
  kRr,
  kWrr,
  kLc,
  kWlc,
  kLblc,
  kSh,
  kMh,
  kDh,
  kFo,
  kOvf,
  kLblcr,
  kSed,
  kNq,
  kTwos
};
enum class LvsMethod { kNat, kDr, kTun };
enum class TunnelType { kIpip, kGue, kGre };
enum class TunnelChecksum { kNoCsum, kCsum, kRemCsum };
enum class LvsProtocol { kTcp, kUdp, kSctp };

// lvs_method / lb_kind: NAT, DR or TUN with its tunnel options.
struct ForwardingMethod {
  LvsMethod method = LvsMethod::kNat;
  TunnelType tunnel_type = TunnelType::kIpip;
  std::uint16_t tunnel_port = 0;  // GUE only
  TunnelChecksum tunnel_checksum = TunnelChecksum::kNoCsum;
  bool operator==(const ForwardingMethod&) const = default;
};

struct SslConfig {
  parser::SourceLocation location;
  std::optional<std::string> password;
  std::optional<std::string> ca;
  std::optional<std::string> certificate;
  std::optional<std::string> key;
};

// One line of a virtual_server_group: an address or address range with a port, or a fwmark.
struct VirtualServerGroupEntry {
  parser::SourceLocation location;
  bool is_fwmark = false;
  core::IpAddress first;  // range start (== last for a single address)
  core::IpAddress last;
  std::uint16_t port = 0;  // 0: none (only valid for persistent services)
  std::uint32_t fwmark = 0;
  std::optional<core::Family> fwmark_family;  // `fwmark N inet|inet6`
};

struct VirtualServerGroup {
  parser::SourceLocation location;
  std::string name;
  std::vector<VirtualServerGroupEntry> entries;
};

struct SorryServer {
  parser::SourceLocation location;
  core::IpAddress address;
  std::uint16_t port = 0;
  std::optional<ForwardingMethod> forwarding;  // sorry_server_lvs_method; default: the VS's
  bool inhibit = false;                        // sorry_server_inhibit
};

struct ScriptCommand {
  parser::SourceLocation location;
  std::string command;  // as written; first word is the program
  std::string user;     // empty: the default script user
  std::string group;
};

struct RealServer {
  parser::SourceLocation location;
  core::IpAddress address;
  std::uint16_t port = 0;  // after finalize: the VS port unless NAT or fwmark (as keepalived)
  std::optional<std::uint32_t> weight;         // default: the virtual server's weight (1)
  std::optional<ForwardingMethod> forwarding;  // lvs_method; default: the VS's
  std::optional<bool> inhibit_on_failure;      // default: the VS's
  Boxed<ScriptCommand> notify_up;              // rare: boxed, so that unset ones cost a pointer
  Boxed<ScriptCommand> notify_down;
  std::uint32_t uthreshold = 0;
  std::uint32_t lthreshold = 0;
  std::optional<bool> alpha;                   // default: the VS's
  std::optional<std::uint32_t> retry;          // unset: each checker's default
  std::optional<Duration> delay_before_retry;  // unset: each checker's default
  std::optional<Duration> warmup;              // unset: the checker's delay_loop
  std::optional<Duration> delay_loop;          // default: the VS's
  std::optional<Duration> connect_timeout;     // default: the VS's
  // keepalived: explicit, else global smtp_alert_checker / smtp_alert, else true.
  std::optional<bool> smtp_alert;
  Boxed<std::string> virtualhost;  // default: the VS's
  std::vector<Checker> checkers;
};

struct VirtualServer {
  parser::SourceLocation location;
  enum class Kind { kAddress, kFwmark, kGroup };
  Kind kind = Kind::kAddress;
  core::IpAddress address;   // kAddress
  std::uint16_t port = 0;    // kAddress (0: none, only valid when persistent)
  std::uint32_t fwmark = 0;  // kFwmark
  std::string group;         // kGroup
  // inet/inet6: from the address, ip_family, or the real/sorry servers (keepalived's rules).
  std::optional<core::Family> family;

  std::optional<LvsScheduler> scheduler;       // default wlc (keepalived warns when unset)
  std::optional<ForwardingMethod> forwarding;  // default NAT (keepalived warns when unset)
  std::optional<LvsProtocol> protocol;  // address VS: default UDP (keepalived warns); fwmark: none
  bool ops = false;
  bool flag_1 = false, flag_2 = false, flag_3 = false;
  bool sh_port = false, sh_fallback = false, mh_port = false, mh_fallback = false;
  bool hashed = false;  // accepted but ignored by keepalived 2.2.7 (see bind_lvs.cc)
  std::uint32_t persistence_timeout = 0;  // seconds; 0: not persistent
  std::optional<std::string> persistence_engine;
  // IPv4: a netmask; IPv6: a prefix length 1..128.
  std::optional<core::IpAddress> persistence_granularity_mask;
  std::optional<std::uint8_t> persistence_granularity_prefix;
  bool ha_suspend = false;
  std::optional<bool> smtp_alert;  // keepalived: explicit, else global settings, else false
  Boxed<std::string> virtualhost;
  bool alpha = false;
  bool omega = false;
  std::uint32_t quorum = 1;
  std::uint32_t hysteresis = 0;
  std::optional<ScriptCommand> quorum_up;
  std::optional<ScriptCommand> quorum_down;
  std::uint32_t weight = 1;  // default weight of its real servers
  Duration connect_timeout = std::chrono::seconds(5);
  Duration delay_loop = std::chrono::seconds(60);
  std::optional<std::uint32_t> retry;
  std::optional<Duration> delay_before_retry;
  std::optional<Duration> warmup;
  bool inhibit_on_failure = false;
  std::optional<SorryServer> sorry_server;
  std::vector<RealServer> real_servers;

  // "10.0.0.1:80", "[fe80::1]:80", "fwmark 1", "group NAME" for diagnostics.
  std::string name() const;
};

struct Lvs {
  std::optional<SslConfig> ssl;
  std::vector<VirtualServerGroup> groups;
  std::vector<VirtualServer> virtual_servers;
};

}  // namespace vigil::config
