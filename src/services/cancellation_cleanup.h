// Cancellation cleanup (Prefect's services/cancellation_cleanup.py). Each pass:
//  1. task runs: every non-terminal task run of a flow run that ended Cancelled within the
//     last day is forced to Cancelled ("The parent flow run was cancelled.");
//  2. subflows: a non-terminal subflow run (Pending, Scheduled, Running, Paused, Cancelling)
//     whose parent task run's flow run is Cancelled is proposed Cancelling when it has a
//     deployment (its worker tears the process down) and Cancelled otherwise, through the
//     flow-run policy; a deployment subflow already Cancelling is left to its worker;
//  3. timeouts: a flow run Cancelling for longer than cancelling_timeout_seconds is proposed
//     Cancelled ("Flow run cancellation timed out; …") through the flow-run policy.
// One write per run; each re-reads the run under the write and re-checks the condition.
#pragma once

#include <functional>
#include <optional>

#include "config/settings.h"
#include "core/flow_run.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class CancellationCleanup final : public Service {
 public:
  CancellationCleanup(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
                      events::EventBus* events);
  std::string_view name() const override { return "cancellation-cleanup"; }
  std::chrono::microseconds interval() const override {
    return seconds(settings_.cancellation_cleanup_loop_seconds);
  }
  void run_once() override;

  struct PassCounts {
    int64_t task_runs = 0;     // task runs cancelled
    int64_t subflow_runs = 0;  // subflow runs moved to Cancelling/Cancelled
    int64_t timed_out = 0;     // Cancelling runs timed out to Cancelled
  };
  const PassCounts& last_pass() const { return last_; }

 private:
  void cancel_child_task_runs();
  void cancel_subflow_runs();
  void time_out_cancelling_runs();
  // Under one write: re-reads the flow run, asks `decide` for the state to propose (nullopt:
  // leave the run alone) and orchestrates it; publishes the state-change event. True when a
  // state was written.
  using Decide = std::function<std::optional<core::State>(store::Connection&, const core::FlowRun&, core::Timestamp)>;
  bool propose(const std::string& flow_run_id, const Decide& decide);

  const config::ServiceSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  events::EventBus* events_;
  PassCounts last_;
};

}  // namespace praetor::services
