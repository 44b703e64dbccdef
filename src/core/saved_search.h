// A saved search: a named set of UI filters (Prefect's core.SavedSearch, api/saved_searches.py).
#pragma once

#include "core/model.h"

namespace praetor::core {

const Model& saved_search_model();

}  // namespace praetor::core
