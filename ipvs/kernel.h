#pragma once

// The seam between the syncer and the kernel's IPVS: the real one speaks generic netlink
// (ipvs/netlink_kernel.h), the tests' fake keeps a Table in memory (tests/ipvs/fake_kernel.h).
// Runtime paths never throw: every failure is a std::error_code, kernel errors as errno values
// in std::system_category() (EEXIST, ENOENT, ESRCH, ...).

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "ipvs/model.h"

namespace vigil::ipvs {

// One change to the table.
struct Op {
  enum class Kind { kAddService, kEditService, kDeleteService, kAddDest, kEditDest, kDeleteDest };
  Kind kind = Kind::kAddService;
  ServiceKey service;
  ServiceParams service_params;  // kAddService, kEditService
  DestKey dest;                  // the *Dest kinds
  DestParams dest_params;        // kAddDest, kEditDest

  bool operator==(const Op&) const = default;
  // "add service TCP 10.0.0.1:80", "edit dest 10.0.0.2:80 of TCP 10.0.0.1:80", for logs.
  std::string str() const;
};

// lvs_timeouts (IPVS_CMD_SET_CONFIG): seconds, 0 leaves the kernel's value.
struct Timeouts {
  std::uint32_t tcp = 0;
  std::uint32_t tcp_fin = 0;
  std::uint32_t udp = 0;
  bool operator==(const Timeouts&) const = default;
};

// One connection-synchronisation daemon (IPVS_CMD_NEW_DAEMON).
struct SyncDaemon {
  enum class Role : std::uint32_t { kMaster = 1, kBackup = 2 };  // IP_VS_STATE_*
  Role role = Role::kMaster;
  std::string interface;
  std::uint32_t sync_id = 0;
  std::uint16_t max_length = 0;  // 0: the kernel's default
  std::optional<core::IpAddress> group;
  std::uint16_t port = 0;  // 0: the kernel's default (8848)
  std::uint8_t ttl = 0;    // 0: the kernel's default (1)
  bool operator==(const SyncDaemon&) const = default;
};

class Kernel {
 public:
  virtual ~Kernel() = default;

  // Connects (resolves the "IPVS" generic netlink family). Cheap to call again: a kernel without
  // IPVS answers std::errc::protocol_not_supported until the module is loaded.
  virtual std::error_code open() = 0;
  virtual bool is_open() const = 0;

  // The whole table: every service with its destinations and counters.
  virtual std::error_code dump(Table& out) = 0;
  // Applies `ops` in order, one result per op ({} or the kernel's error). A failed op does not
  // stop the others. The return value is a transport failure (the results of the ops it left
  // unknown say so too).
  virtual std::error_code apply(const std::vector<Op>& ops,
                                std::vector<std::error_code>& results) = 0;
  virtual std::error_code set_timeouts(const Timeouts& t) = 0;
  virtual std::error_code start_sync_daemon(const SyncDaemon& d) = 0;
  virtual std::error_code stop_sync_daemon(SyncDaemon::Role role) = 0;
  // Every service of the namespace, ours or not (lvs_flush, lvs_flush_on_stop FULL).
  virtual std::error_code flush() = 0;
};

}  // namespace vigil::ipvs
