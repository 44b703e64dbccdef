// Creating a flow run with its initial state, shared by POST /flow_runs/, POST
// /deployments/{id}/create_flow_run and the scheduler: insert the run (idempotency key
// honoured), then force the initial state onto it through the flow-run policy (Prefect's
// models.flow_runs.create_flow_run sets the state with force=True). Runs inside the
// caller's Database::write; the state-change event is returned for the caller to publish
// after the commit.
#pragma once

#include <optional>

#include "core/flow_run.h"
#include "core/result.h"
#include "core/state.h"
#include "events/event.h"
#include "store/connection.h"

namespace praetor::runs {

struct CreatedFlowRun {
  core::FlowRun run;                   // as stored, with its current state joined in
  bool created = false;                // false: an existing run with the idempotency key
  std::optional<events::Event> event;  // the initial state's event, when created
};

// `run` carries its id, created/updated and every column; `initial_state` has no id or
// timestamp yet (minted here). An existing run with the same (flow_id, idempotency_key)
// is returned unchanged. Fails as apply_flow_run_transition does, or with kInternal when
// the run cannot be read back.
core::Result<CreatedFlowRun> create_flow_run(store::Connection& c, const core::FlowRun& run, core::State initial_state,
                                             core::Timestamp now);

}  // namespace praetor::runs
