#include "store/work_queue_repository.h"

#include <algorithm>

#include "store/flow_run_repository.h"
#include "store/work_pool_repository.h"

namespace praetor::store::work_queues {

namespace {

constexpr const char* kSlotStates = "('PENDING', 'RUNNING', 'CANCELLING')";

int64_t count_where(Connection& c, const std::string& sql, const std::vector<SqlValue>& params) {
  auto& st = c.prepare("SELECT COUNT(*) FROM flow_run WHERE " + sql);
  bind_all(st, params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

SqlCondition slot_holder_condition(const core::WorkQueue& q) {
  SqlCondition where;
  where.sql = std::string("(flow_run.work_queue_id = ? OR (flow_run.work_queue_id IS NULL AND "
                          "flow_run.work_queue_name = ?)) AND flow_run.state_type IN ") +
              kSlotStates;
  where.params = {q.id, q.name};
  return where;
}

}  // namespace

std::optional<core::WorkQueue> read_by_name(Connection& c, const std::string& name) {
  SqlCondition where;
  where.sql = "work_queue.name = ?";
  where.params = {name};
  if (auto pool = work_pools::read_by_name(c, kDefaultAgentPool)) {
    where.sql += " AND work_queue.work_pool_id = ?";
    where.params.emplace_back(pool->id);
  }
  auto found = work_pools::list_queues_where(c, where, 1, 0);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::vector<core::FlowRun> scheduled_runs(Connection& c, const core::WorkQueue& queue,
                                          std::optional<core::Timestamp> before, int64_t limit) {
  if (queue.is_paused || limit <= 0) return {};
  if (queue.concurrency_limit) {
    int64_t busy = count_where(c, std::string("work_queue_name = ? AND state_type IN ") + kSlotStates, {queue.name});
    limit = std::min(limit, std::max<int64_t>(0, *queue.concurrency_limit - busy));
    if (limit == 0) return {};
  }
  SqlCondition where;
  where.sql = "flow_run.work_queue_name = ? AND flow_run.state_type = 'SCHEDULED'";
  where.params = {queue.name};
  if (before) {
    where.sql += " AND flow_run.next_scheduled_start_time <= ?";
    where.params.emplace_back(core::to_micros(*before));
  }
  return flow_runs::list(c, where, "ORDER BY flow_run.next_scheduled_start_time, flow_run.id", limit, 0);
}

int64_t late_runs(Connection& c, const std::string& queue_id) {
  return count_where(c, "work_queue_id = ? AND state_name = 'Late'", {queue_id});
}

int64_t count_slot_holders(Connection& c, const core::WorkQueue& queue) {
  auto where = slot_holder_condition(queue);
  return count_where(c, where.sql, where.params);
}

std::vector<core::FlowRun> slot_holders(Connection& c, const core::WorkQueue& queue, int64_t offset, int64_t limit) {
  return flow_runs::list(c, slot_holder_condition(queue), "ORDER BY flow_run.id", limit, offset);
}

}  // namespace praetor::store::work_queues
