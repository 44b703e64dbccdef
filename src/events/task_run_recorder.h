// The task-run recorder (Prefect's services/task_run_recorder.py). In the default engine
// task runs are orchestrated by the client and reach the server only as
// `prefect.task-run.<State>` events whose resource carries "prefect.orchestration":"client"
// (wire-protocol.md §2). This subscriber turns each such event into a task_run upsert and a
// task_run_state row; other events are ignored. Each delivered batch is written in one
// database write; if that fails, the events are retried one at a time so one bad event
// cannot drop its neighbours.
//
// Thread-safety: on_events runs on the bus's dispatcher thread; the recorder holds no state
// between batches. The database and clock must outlive it.
#pragma once

#include <optional>
#include <vector>

#include "core/timestamp.h"
#include "events/event_bus.h"
#include "store/database.h"
#include "store/task_run_repository.h"

namespace praetor::events {

// True for the events the recorder consumes.
bool is_client_task_run_event(const Event& e);

// The task run and state an event describes, or nullopt when the event is not a
// well-formed client task-run event (wrong name, no task-run resource id, no
// validated_state or task_run in its payload).
std::optional<store::task_runs::RecordedTaskRun> recorded_task_run_from_event(const Event& e);

class TaskRunRecorder final : public EventSubscriber {
 public:
  TaskRunRecorder(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}
  void on_events(const std::vector<Event>& batch) override;

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace praetor::events
