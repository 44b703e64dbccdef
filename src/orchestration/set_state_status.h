// The outcome of a proposed state transition, as Prefect's SetStateStatus.
#pragma once

#include <string_view>

namespace praetor::orchestration {

enum class SetStateStatus { kAccept, kReject, kAbort, kWait };

std::string_view to_string(SetStateStatus s);

}  // namespace praetor::orchestration
