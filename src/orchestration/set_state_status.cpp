#include "orchestration/set_state_status.h"

namespace praetor::orchestration {

std::string_view to_string(SetStateStatus s) {
  switch (s) {
    case SetStateStatus::kAccept:
      return "ACCEPT";
    case SetStateStatus::kReject:
      return "REJECT";
    case SetStateStatus::kAbort:
      return "ABORT";
    case SetStateStatus::kWait:
      return "WAIT";
  }
  return "ACCEPT";
}

}  // namespace praetor::orchestration
