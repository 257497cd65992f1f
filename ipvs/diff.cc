#include "ipvs/diff.h"

#include <cerrno>

namespace vigil::ipvs {

namespace {

std::error_code errno_code(int e) { return {e, std::system_category()}; }

Op service_op(Op::Kind kind, const ServiceKey& key, const ServiceParams& params) {
  Op op;
  op.kind = kind;
  op.service = key;
  op.service_params = params;
  return op;
}

Op dest_op(Op::Kind kind, const ServiceKey& key, const DestKey& dest, const DestParams& params) {
  Op op;
  op.kind = kind;
  op.service = key;
  op.dest = dest;
  op.dest_params = params;
  return op;
}

}  // namespace

void diff_service(const ServiceKey& key, const ServiceState* desired, const ServiceState* actual,
                  std::vector<Op>& out) {
  if (desired == nullptr) {
    if (actual != nullptr) out.push_back(service_op(Op::Kind::kDeleteService, key, {}));
    return;
  }
  if (actual == nullptr) {
    out.push_back(service_op(Op::Kind::kAddService, key, desired->params));
    for (const auto& [dest, state] : desired->dests) {
      out.push_back(dest_op(Op::Kind::kAddDest, key, dest, state.params));
    }
    return;
  }
  for (const auto& [dest, state] : actual->dests) {
    if (!desired->dests.contains(dest)) {
      out.push_back(dest_op(Op::Kind::kDeleteDest, key, dest, state.params));
    }
  }
  if (!(desired->params == actual->params)) {
    out.push_back(service_op(Op::Kind::kEditService, key, desired->params));
  }
  for (const auto& [dest, state] : desired->dests) {
    auto it = actual->dests.find(dest);
    if (it != actual->dests.end() && !(it->second.params == state.params)) {
      out.push_back(dest_op(Op::Kind::kEditDest, key, dest, state.params));
    }
  }
  for (const auto& [dest, state] : desired->dests) {
    if (!actual->dests.contains(dest)) {
      out.push_back(dest_op(Op::Kind::kAddDest, key, dest, state.params));
    }
  }
}

std::vector<Op> diff_tables(const Table& desired, const Table& actual) {
  std::vector<Op> out;
  for (const auto& [key, state] : actual) {
    if (!desired.contains(key)) diff_service(key, nullptr, &state, out);
  }
  for (const auto& [key, state] : desired) {
    auto it = actual.find(key);
    diff_service(key, &state, it == actual.end() ? nullptr : &it->second, out);
  }
  return out;
}

std::error_code apply_op(Table& table, const Op& op) {
  auto service = table.find(op.service);
  switch (op.kind) {
    case Op::Kind::kAddService:
      if (service != table.end()) return errno_code(EEXIST);
      table.emplace(op.service, ServiceState{op.service_params, {}, {}});
      return {};
    case Op::Kind::kEditService:
      if (service == table.end()) return errno_code(ESRCH);
      service->second.params = op.service_params;
      return {};
    case Op::Kind::kDeleteService:
      if (service == table.end()) return errno_code(ESRCH);
      table.erase(service);
      return {};
    default:
      break;
  }
  if (service == table.end()) return errno_code(ESRCH);
  auto& dests = service->second.dests;
  auto dest = dests.find(op.dest);
  switch (op.kind) {
    case Op::Kind::kAddDest:
      if (dest != dests.end()) return errno_code(EEXIST);
      dests.emplace(op.dest, DestState{op.dest_params, 0, 0, 0, {}});
      return {};
    case Op::Kind::kEditDest:
      if (dest == dests.end()) return errno_code(ENOENT);
      dest->second.params = op.dest_params;
      return {};
    case Op::Kind::kDeleteDest:
      if (dest == dests.end()) return errno_code(ENOENT);
      dests.erase(dest);
      return {};
    default:
      return {};
  }
}

}  // namespace vigil::ipvs
