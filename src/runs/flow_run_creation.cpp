#include "runs/flow_run_creation.h"

#include "runs/flow_run_transition.h"
#include "store/flow_run_repository.h"

namespace praetor::runs {

core::Result<CreatedFlowRun> create_flow_run(store::Connection& c, const core::FlowRun& run, core::State initial_state,
                                             core::Timestamp now) {
  auto inserted = store::flow_runs::create(c, run);
  CreatedFlowRun out;
  out.created = inserted.created;
  if (inserted.created) {
    auto outcome = apply_flow_run_transition(c, inserted.run, std::move(initial_state), true, now);
    if (!outcome) return outcome.take_error();
    out.event = std::move(outcome->event);
  }
  auto stored = store::flow_runs::read(c, inserted.run.id);
  if (!stored) return core::Error::internal("flow run vanished during create");
  out.run = std::move(*stored);
  return out;
}

}  // namespace praetor::runs
