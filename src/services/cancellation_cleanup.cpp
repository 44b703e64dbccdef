#include "services/cancellation_cleanup.h"

#include <spdlog/spdlog.h>

#include "runs/flow_run_transition.h"
#include "runs/task_run_transition.h"
#include "store/flow_run_repository.h"

namespace praetor::services {

namespace {

constexpr int64_t kBatchSize = 200;
constexpr const char* kNonTerminal = "('SCHEDULED','PENDING','RUNNING','PAUSED','CANCELLING')";
constexpr const char* kParentCancelled = "The parent flow run was cancelled.";
constexpr const char* kTimedOut = "Flow run cancellation timed out; marked this flow run as Cancelled.";

core::State make_state(core::StateType type, const char* message) {
  core::State s;
  s.type = type;
  s.name = core::default_state_name(type);
  s.message = message;
  return s;
}

// Ids from `sql` (?1 = the id to start after, ?2 = the batch size, ?3 = `bound` when
// given), in keyset batches, each handed to `each`.
template <typename Each>
void for_each_id(store::Database& db, const std::string& sql, std::optional<int64_t> bound, const char* service,
                 Each each) {
  std::string after;
  while (true) {
    auto ids = db.read<std::vector<std::string>>([&](store::Connection& c) -> core::Result<std::vector<std::string>> {
      auto& st = c.prepare(sql);
      st.bind(1, after).bind(2, kBatchSize);
      if (bound) st.bind(3, *bound);
      std::vector<std::string> out;
      while (st.step()) out.push_back(st.column_text(0));
      st.reset();
      return out;
    });
    if (!ids) {
      log_pass_error(service, ids.error().message);
      return;
    }
    for (const auto& id : *ids) each(id);
    if (static_cast<int64_t>(ids->size()) < kBatchSize) return;
    after = ids->back();
  }
}

// Prefect's cancel_subflow_run conditions on the containing flow run (the flow run of the
// subflow's parent task run): the parent task run and its flow_run_id must exist; a
// containing run that exists with a state must be Cancelled.
bool containing_run_cancelled(store::Connection& c, const std::string& parent_task_run_id) {
  auto& st = c.prepare(
      "SELECT t.flow_run_id, f.id, f.state_type FROM task_run t LEFT JOIN flow_run f ON f.id = t.flow_run_id "
      "WHERE t.id = ?1");
  st.bind(1, parent_task_run_id);
  bool cancelled = false;
  if (st.step() && !st.is_null(0)) {
    cancelled = st.is_null(1) || st.is_null(2) || st.column_text(2) == "CANCELLED";
  }
  st.reset();
  return cancelled;
}

}  // namespace

CancellationCleanup::CancellationCleanup(const config::ServiceSettings& settings, store::Database& db,
                                         const core::Clock& clock, events::EventBus* events)
    : settings_(settings), db_(db), clock_(clock), events_(events) {}

void CancellationCleanup::run_once() {
  last_ = PassCounts{};
  cancel_child_task_runs();
  cancel_subflow_runs();
  time_out_cancelling_runs();
}

bool CancellationCleanup::propose(const std::string& flow_run_id, const Decide& decide) {
  auto outcome = db_.write<runs::TransitionOutcome>([&](store::Connection& c) -> core::Result<runs::TransitionOutcome> {
    store::flow_runs::lock_for_update(c, flow_run_id);
    auto run = store::flow_runs::read(c, flow_run_id);
    auto now = clock_.now();
    if (!run) return runs::TransitionOutcome{};
    auto state = decide(c, *run, now);
    if (!state) return runs::TransitionOutcome{};
    return runs::apply_flow_run_transition(c, *run, std::move(*state), false, now);
  });
  if (!outcome) {
    log_pass_error(name(), outcome.error().message);
    return false;
  }
  if (events_ && outcome->event) events_->publish(std::vector<events::Event>{std::move(*outcome->event)});
  return outcome->decision.written.has_value();
}

void CancellationCleanup::cancel_child_task_runs() {
  auto since = clock_.now() - std::chrono::hours(24);
  std::string sql = std::string(
                        "SELECT t.id FROM task_run t JOIN flow_run f ON f.id = t.flow_run_id "
                        "WHERE f.state_type = 'CANCELLED' AND f.end_time IS NOT NULL AND f.end_time >= ?3 "
                        "AND t.state_type IN ") +
                    kNonTerminal + " AND t.id > ?1 ORDER BY t.id LIMIT ?2";
  for_each_id(db_, sql, core::to_micros(since), "cancellation-cleanup", [&](const std::string& id) {
    auto result = db_.write<bool>([&](store::Connection& c) -> core::Result<bool> {
      auto& st = c.prepare("SELECT state_type FROM task_run WHERE id = ?1");
      st.bind(1, id);
      bool open = st.step() && !st.is_null(0) &&
                  !core::is_final(core::parse_state_type(st.column_text(0)).value_or(core::StateType::kCompleted));
      st.reset();
      if (!open) return false;
      auto set = runs::set_task_run_state(c, id, make_state(core::StateType::kCancelled, kParentCancelled), true,
                                          clock_.now());
      if (!set) return set.error();
      return set->written;
    });
    if (!result) {
      log_pass_error(name(), "task run " + id + ": " + result.error().message);
    } else if (*result) {
      ++last_.task_runs;
    }
  });
}

void CancellationCleanup::cancel_subflow_runs() {
  std::string sql = std::string(
                        "SELECT r.id FROM flow_run r JOIN task_run t ON t.id = r.parent_task_run_id "
                        "LEFT JOIN flow_run f ON f.id = t.flow_run_id "
                        "WHERE r.state_type IN ") +
                    kNonTerminal +
                    " AND t.flow_run_id IS NOT NULL AND (f.id IS NULL OR f.state_type IS NULL OR "
                    "f.state_type = 'CANCELLED') AND NOT (r.deployment_id IS NOT NULL AND r.state_type = 'CANCELLING') "
                    "AND r.id > ?1 ORDER BY r.id LIMIT ?2";
  for_each_id(db_, sql, std::nullopt, "cancellation-cleanup", [&](const std::string& id) {
    bool written = propose(id, [](store::Connection& c, const core::FlowRun& run,
                                  core::Timestamp) -> std::optional<core::State> {
      if (!run.parent_task_run_id || !run.state || core::is_final(run.state->type)) return std::nullopt;
      if (!containing_run_cancelled(c, *run.parent_task_run_id)) return std::nullopt;
      bool has_deployment = run.deployment_id.has_value();
      if (has_deployment && run.state->type == core::StateType::kCancelling) return std::nullopt;
      return make_state(has_deployment ? core::StateType::kCancelling : core::StateType::kCancelled,
                        kParentCancelled);
    });
    if (written) ++last_.subflow_runs;
  });
}

void CancellationCleanup::time_out_cancelling_runs() {
  auto timeout = seconds(settings_.cancellation_cleanup_cancelling_timeout_seconds);
  auto deadline = clock_.now() - timeout;
  std::string sql =
      "SELECT id FROM flow_run WHERE state_type = 'CANCELLING' AND state_timestamp IS NOT NULL AND "
      "state_timestamp <= ?3 AND id > ?1 ORDER BY id LIMIT ?2";
  for_each_id(db_, sql, core::to_micros(deadline), "cancellation-cleanup", [&](const std::string& id) {
    bool written = propose(id, [&](store::Connection&, const core::FlowRun& run,
                                   core::Timestamp now) -> std::optional<core::State> {
      if (!run.state || run.state->type != core::StateType::kCancelling) return std::nullopt;
      if (run.state->timestamp + timeout > now) return std::nullopt;
      return make_state(core::StateType::kCancelled, kTimedOut);
    });
    if (written) ++last_.timed_out;
  });
}

}  // namespace praetor::services
