#include "services/pause_expirations.h"

#include <spdlog/spdlog.h>

#include "runs/flow_run_transition.h"
#include "store/flow_run_repository.h"

namespace praetor::services {

namespace {

constexpr int64_t kBatchSize = 200;

// The state's pause_timeout when it is a timestamp strictly before `now`.
bool pause_expired(const core::FlowRun& run, core::Timestamp now) {
  if (!run.state || run.state->type != core::StateType::kPaused) return false;
  const auto* timeout = run.state->state_details.if_contains("pause_timeout");
  if (!timeout || !timeout->is_string()) return false;
  auto when = core::parse_timestamp(std::string(timeout->get_string()));
  return when && *when < now;
}

}  // namespace

PauseExpirations::PauseExpirations(const config::ServiceSettings& settings, store::Database& db,
                                   const core::Clock& clock, events::EventBus* events)
    : settings_(settings), db_(db), clock_(clock), events_(events) {}

void PauseExpirations::run_once() {
  last_failed_ = 0;
  std::string after;  // keyset pagination over Paused runs by id
  while (true) {
    auto ids = db_.read<std::vector<std::string>>([&](store::Connection& c) -> core::Result<std::vector<std::string>> {
      auto& st = c.prepare("SELECT id FROM flow_run WHERE state_type = 'PAUSED' AND id > ?1 ORDER BY id LIMIT ?2");
      st.bind(1, after).bind(2, kBatchSize);
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
        store::flow_runs::lock_for_update(c, id);
        auto run = store::flow_runs::read(c, id);
        auto now = clock_.now();
        if (!run || !pause_expired(*run, now)) return runs::TransitionOutcome{};
        core::State failed;
        failed.type = core::StateType::kFailed;
        failed.name = "Failed";
        failed.message = "The flow was paused and never resumed.";
        return runs::apply_flow_run_transition(c, *run, std::move(failed), true, now);
      });
      if (!outcome) {
        log_pass_error(name(), outcome.error().message);
        continue;
      }
      if (outcome->decision.written) ++last_failed_;
      if (events_ && outcome->event) events_->publish(std::vector<events::Event>{std::move(*outcome->event)});
    }
    if (static_cast<int64_t>(ids->size()) < kBatchSize) break;
    after = ids->back();
  }
}

}  // namespace praetor::services
