#include "parser/config/lvs.h"

namespace vigil::config {

std::string VirtualServer::name() const {
  switch (kind) {
    case Kind::kFwmark:
      return "fwmark " + std::to_string(fwmark);
    case Kind::kGroup:
      return "group " + group;
    case Kind::kAddress:
      break;
  }
  std::string a = address.to_string();
  if (address.is_v6()) a = "[" + a + "]";
  return port != 0 ? a + ":" + std::to_string(port) : a;
}

}  // namespace vigil::config
