#include "store/work_queue_repository.h"

#include <algorithm>

#include "core/work_queue.h"
#include "store/flow_run_repository.h"
#include "store/model_table.h"
#include "store/work_pool_repository.h"

namespace praetor::store::work_queues {

namespace json = boost::json;

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

std::optional<json::object> first_where(Connection& c, const SqlCondition& where) {
  auto found = model_rows::list(c, core::work_queue_model(), where, "ORDER BY work_queue.priority", 1, 0);
  if (found.empty()) return std::nullopt;
  return std::move(found.front().as_object());
}

// The first priority not taken in the pool (a gap), else max + 1, as Prefect's
// create_work_queue.
int64_t first_free_priority(Connection& c, const std::string& pool_id) {
  auto& st = c.prepare("SELECT priority FROM work_queue WHERE work_pool_id = ?1 ORDER BY priority");
  st.bind(1, pool_id);
  std::vector<int64_t> taken;
  while (st.step()) taken.push_back(st.column_int(0));
  st.reset();
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (taken[i] != static_cast<int64_t>(i) + 1) return static_cast<int64_t>(i) + 1;
  }
  return taken.empty() ? 1 : taken.back() + 1;
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

bool insert(Connection& c, json::object& queue) {
  const auto& model = core::work_queue_model();
  const std::string pool_id(queue.at("work_pool_id").get_string());
  if (find_in_pool(c, pool_id, std::string(queue.at("name").get_string()))) return false;
  if (queue.at("priority").is_null()) {
    queue["priority"] = first_free_priority(c, pool_id);
  } else {
    c.prepare("UPDATE work_queue SET priority = priority + 1 WHERE work_pool_id = ?1 AND priority >= ?2 AND "
              "EXISTS (SELECT 1 FROM work_queue taken WHERE taken.work_pool_id = ?1 AND taken.priority = ?2)")
        .bind(1, pool_id)
        .bind(2, queue.at("priority").as_int64())
        .run();
  }
  model_rows::insert(c, model, queue);
  return true;
}

std::optional<json::object> find_in_pool(Connection& c, const std::string& pool_id, const std::string& name) {
  return first_where(c, {"work_queue.work_pool_id = ? AND work_queue.name = ?", {pool_id, name}});
}

std::optional<json::object> read_by_name(Connection& c, const std::string& name) {
  SqlCondition where;
  where.sql = "work_queue.name = ?";
  where.params = {name};
  if (auto pool = work_pools::read_by_name(c, kDefaultAgentPool)) {
    where.sql += " AND work_queue.work_pool_id = ?";
    where.params.emplace_back(pool->id);
  }
  return first_where(c, where);
}

bool remove(Connection& c, const std::string& id) {
  detach_deployments(c, id);
  return model_rows::erase(c, core::work_queue_model(), id);
}

void detach_deployments(Connection& c, const std::string& queue_id) {
  c.prepare("UPDATE deployment SET work_queue_id = NULL WHERE work_queue_id = ?1").bind(1, queue_id).run();
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
