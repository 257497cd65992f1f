#include "ipvs/kernel.h"

namespace vigil::ipvs {

std::string Op::str() const {
  switch (kind) {
    case Kind::kAddService:
      return "add service " + service.str();
    case Kind::kEditService:
      return "edit service " + service.str();
    case Kind::kDeleteService:
      return "delete service " + service.str();
    case Kind::kAddDest:
      return "add destination " + dest.str() + " to " + service.str();
    case Kind::kEditDest:
      return "edit destination " + dest.str() + " of " + service.str();
    case Kind::kDeleteDest:
      return "delete destination " + dest.str() + " from " + service.str();
  }
  return "?";
}

}  // namespace vigil::ipvs
