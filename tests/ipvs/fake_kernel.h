#pragma once

// An in-memory IPVS for the syncer's tests: a Table changed by apply_op (the kernel's own
// semantics and errors), with every op recorded, injectable failures, and a switch for a kernel
// without IPVS.

#include <cerrno>
#include <functional>
#include <optional>
#include <system_error>
#include <vector>

#include "ipvs/diff.h"
#include "ipvs/kernel.h"

namespace vigil::ipvs::testing {

class FakeKernel final : public Kernel {
 public:
  Table table;
  std::vector<Op> ops;  // every op applied, successful or not
  std::size_t apply_calls = 0;
  std::size_t dumps = 0;
  std::size_t flushes = 0;
  std::vector<Timeouts> timeouts;
  std::vector<SyncDaemon> daemons_started;
  std::vector<SyncDaemon::Role> daemons_stopped;
  bool has_ipvs = true;
  // Fails an op with the returned error instead of applying it (nullopt: apply).
  std::function<std::optional<std::error_code>(const Op&)> fail;

  std::error_code open() override {
    if (!has_ipvs) return std::make_error_code(std::errc::protocol_not_supported);
    open_ = true;
    return {};
  }
  bool is_open() const override { return open_; }
  std::error_code dump(Table& out) override {
    ++dumps;
    out = table;
    // The kernel marks every service it hashes.
    for (auto& [key, state] : out) state.params.flags &= ~kFlagHashed;
    return {};
  }
  std::error_code apply(const std::vector<Op>& batch,
                        std::vector<std::error_code>& results) override {
    ++apply_calls;
    results.clear();
    for (const Op& op : batch) {
      ops.push_back(op);
      if (fail) {
        if (auto ec = fail(op)) {
          results.push_back(*ec);
          continue;
        }
      }
      results.push_back(apply_op(table, op));
    }
    return {};
  }
  std::error_code set_timeouts(const Timeouts& t) override {
    timeouts.push_back(t);
    return {};
  }
  std::error_code start_sync_daemon(const SyncDaemon& d) override {
    daemons_started.push_back(d);
    return {};
  }
  std::error_code stop_sync_daemon(SyncDaemon::Role role) override {
    daemons_stopped.push_back(role);
    return {};
  }
  std::error_code flush() override {
    ++flushes;
    table.clear();
    return {};
  }

  // Ops of one kind recorded since the last clear.
  std::size_t count(Op::Kind kind) const {
    std::size_t n = 0;
    for (const Op& op : ops) n += op.kind == kind ? 1 : 0;
    return n;
  }

 private:
  bool open_ = false;
};

}  // namespace vigil::ipvs::testing
