// A global (v2) concurrency limit (Prefect's core.ConcurrencyLimitV2 and its
// ConcurrencyLimitV2Create/Update actions, api/concurrency_limits_v2.py). Slot accounting
// (acquire, release, leases, decay) lives in store/concurrency_repository.h.
#pragma once

#include "core/model.h"

namespace praetor::core {

// Fields in the order of ConcurrencyLimitV2: id, created, updated, active, name, limit,
// active_slots, denied_slots, slot_decay_per_second, avg_slot_occupancy_seconds (server-set).
const Model& concurrency_limit_v2_model();

}  // namespace praetor::core
