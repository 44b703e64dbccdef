#include "services/late_runs.h"

#include <spdlog/spdlog.h>

#include "runs/flow_run_transition.h"
#include "store/flow_run_repository.h"

namespace praetor::services {

namespace {
constexpr int64_t kBatchSize = 400;
}

LateRuns::LateRuns(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock,
                   events::EventBus* events)
    : settings_(settings), db_(db), clock_(clock), events_(events) {}

void LateRuns::run_once() {
  last_marked_ = 0;
  auto now = clock_.now();
  auto threshold = now - seconds(settings_.late_runs_after_seconds);
  auto ids = db_.read<std::vector<std::string>>([&](store::Connection& c) -> core::Result<std::vector<std::string>> {
    auto& st = c.prepare(
        "SELECT id FROM flow_run WHERE state_type = 'SCHEDULED' AND state_name = 'Scheduled' AND "
        "next_scheduled_start_time <= ?1 ORDER BY next_scheduled_start_time LIMIT ?2");
    st.bind(1, core::to_micros(threshold)).bind(2, kBatchSize);
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.column_text(0));
    st.reset();
    return out;
  });
  if (!ids) {
    log_pass_error(name(), ids.error().message);
    return;
  }
  for (const auto& id : *ids) {
    auto outcome = db_.write<runs::TransitionOutcome>([&](store::Connection& c) -> core::Result<runs::TransitionOutcome> {
      auto run = store::flow_runs::read(c, id);
      // EnsureOnlyScheduledFlowsMarkedLate: only a run that is still Scheduled.
      if (!run || !run->state || run->state->type != core::StateType::kScheduled || run->state->name != "Scheduled" ||
          !run->next_scheduled_start_time) {
        return runs::TransitionOutcome{};
      }
      core::State late;
      late.type = core::StateType::kScheduled;
      late.name = "Late";
      late.state_details["scheduled_time"] = core::format_timestamp(*run->next_scheduled_start_time);
      runs::TransitionContext context;
      context.mark_late = true;  // MarkLateRunsPolicy
      return runs::apply_flow_run_transition(c, *run, std::move(late), false, clock_.now(), context);
    });
    if (!outcome) {
      log_pass_error(name(), outcome.error().message);
      continue;
    }
    if (outcome->decision.written) ++last_marked_;
    if (events_ && outcome->event) events_->publish(std::vector<events::Event>{std::move(*outcome->event)});
  }
}

}  // namespace praetor::services
