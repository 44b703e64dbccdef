// A variable: a named JSON value with tags (Prefect's core.Variable, api/variables.py).
#pragma once

#include "core/model.h"

namespace praetor::core {

// Prefect's MAX_VARIABLE_NAME_LENGTH and MAX_VARIABLE_VALUE_LENGTH (types/__init__.py).
inline constexpr std::size_t kMaxVariableNameLength = 255;
inline constexpr std::size_t kMaxVariableValueLength = 5000;

const Model& variable_model();

}  // namespace praetor::core
