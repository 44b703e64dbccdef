// Two-word run names ("crimson-wolf") like the ones Prefect generates for unnamed flow runs.
#pragma once

#include <string>

namespace praetor::core {

std::string generate_slug();

}  // namespace praetor::core
