#pragma once

// The smallest set of IPVS commands that turns one table into another, and the kernel's own
// semantics of each command on a Table (the syncer's view of the kernel and the tests' fake
// kernel both follow it).
//
// Minimal means: a service whose scheduler, flags, persistence or engine changed is edited in
// place (IPVS_CMD_SET_SERVICE keeps its destinations and connections); a destination whose
// weight, method, thresholds or tunnel changed is edited in place; only what is absent is added
// and only what is extra is deleted. A deleted service takes its destinations with it.

#include <system_error>
#include <vector>

#include "ipvs/kernel.h"
#include "ipvs/model.h"

namespace vigil::ipvs {

// Appends the ops that turn `actual` into `desired` for `key` (nullptr: absent). Deletions
// come first, then edits, then additions.
void diff_service(const ServiceKey& key, const ServiceState* desired, const ServiceState* actual,
                  std::vector<Op>& out);

// Both tables whole.
std::vector<Op> diff_tables(const Table& desired, const Table& actual);

// `op` on `table` as the kernel does it (net/netfilter/ipvs/ip_vs_ctl.c): EEXIST for an add of
// something present, ESRCH for a service that is missing, ENOENT for a destination that is
// missing; the table is unchanged on error.
std::error_code apply_op(Table& table, const Op& op);

}  // namespace vigil::ipvs
