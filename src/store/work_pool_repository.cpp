#include "store/work_pool_repository.h"

#include <algorithm>
#include <map>

#include "core/json_util.h"
#include "core/uuid.h"
#include "core/work_pool.h"
#include "core/work_queue.h"
#include "store/flow_run_repository.h"
#include "store/model_table.h"

namespace praetor::store::work_pools {

namespace json = boost::json;
using core::Timestamp;

namespace {

constexpr const char* kQueueColumns =
    "work_queue.id, work_queue.created, work_queue.updated, work_queue.name, work_queue.description, "
    "work_queue.is_paused, work_queue.concurrency_limit, work_queue.priority, work_queue.last_polled, "
    "work_queue.status, work_queue.work_pool_id, (SELECT work_pool.name FROM work_pool WHERE work_pool.id = "
    "work_queue.work_pool_id)";

constexpr const char* kWorkerColumns =
    "id, created, updated, name, work_pool_id, last_heartbeat_time, heartbeat_interval_seconds, status";

// States that hold a pool or queue slot (Prefect's get-runs query counts RUNNING and PENDING).
constexpr const char* kSlotStates = "('RUNNING', 'PENDING')";

core::WorkQueue queue_from_row(Statement& st) {
  core::WorkQueue q;
  q.id = st.column_text(0);
  q.created = core::from_micros(st.column_int(1));
  q.updated = core::from_micros(st.column_int(2));
  q.name = st.column_text(3);
  q.description = st.column_text(4);
  q.is_paused = st.column_int(5) != 0;
  q.concurrency_limit = st.column_optional_int(6);
  q.priority = st.column_int(7);
  if (auto t = st.column_optional_int(8)) q.last_polled = core::from_micros(*t);
  q.status = st.column_text(9);
  q.work_pool_id = st.column_text(10);
  q.work_pool_name = st.column_optional_text(11).value_or("");
  return q;
}

core::Worker worker_from_row(Statement& st) {
  core::Worker w;
  w.id = st.column_text(0);
  w.created = core::from_micros(st.column_int(1));
  w.updated = core::from_micros(st.column_int(2));
  w.name = st.column_text(3);
  w.work_pool_id = st.column_text(4);
  w.last_heartbeat_time = core::from_micros(st.column_int(5));
  w.heartbeat_interval_seconds = st.column_optional_int(6);
  w.status = st.column_text(7);
  return w;
}

int64_t count_sql(Connection& c, const std::string& sql, const std::string& arg) {
  auto& st = c.prepare(sql);
  st.bind(1, arg);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

}  // namespace

std::optional<core::WorkPool> create(Connection& c, core::WorkPool pool, const std::string& default_queue_id) {
  if (read_by_name(c, pool.name)) return std::nullopt;
  pool.default_queue_id = default_queue_id;
  model_rows::insert(c, core::work_pool_model(), core::to_object(pool));
  insert_default_queue(c, pool.id, default_queue_id, pool.created);
  return read(c, pool.id);
}

void insert_default_queue(Connection& c, const std::string& pool_id, const std::string& queue_id, Timestamp created) {
  auto queue = core::new_work_queue(pool_id, "default", created);
  queue["id"] = queue_id;
  queue["description"] = "The work pool's default queue.";
  queue["priority"] = 1;
  model_rows::insert(c, core::work_queue_model(), queue);
}

std::optional<core::WorkPool> read(Connection& c, const std::string& id) {
  auto pool = model_rows::find(c, core::work_pool_model(), "id", id);
  if (!pool) return std::nullopt;
  return core::work_pool_from(*pool);
}

std::optional<core::WorkPool> read_by_name(Connection& c, const std::string& name) {
  auto pool = model_rows::find(c, core::work_pool_model(), "name", name);
  if (!pool) return std::nullopt;
  return core::work_pool_from(*pool);
}

void set_base_job_template(Connection& c, const std::string& pool_id, const json::object& base_job_template,
                           Timestamp now) {
  c.prepare("UPDATE work_pool SET base_job_template = ?2, updated = ?3 WHERE id = ?1")
      .bind(1, pool_id)
      .bind(2, core::to_json_text(base_job_template))
      .bind(3, core::to_micros(now))
      .run();
}

void remove_dependents(Connection& c, const std::string& pool_id) {
  c.prepare("UPDATE deployment SET work_queue_id = NULL WHERE work_queue_id IN "
            "(SELECT id FROM work_queue WHERE work_pool_id = ?1)")
      .bind(1, pool_id)
      .run();
  c.prepare("DELETE FROM worker WHERE work_pool_id = ?1").bind(1, pool_id).run();
  c.prepare("DELETE FROM work_queue WHERE work_pool_id = ?1").bind(1, pool_id).run();
}

bool set_status(Connection& c, const std::string& pool_id, const std::string& status, Timestamp now) {
  c.prepare("UPDATE work_pool SET status = ?2, last_transitioned_status_at = ?3 WHERE id = ?1 AND status <> ?2")
      .bind(1, pool_id)
      .bind(2, status)
      .bind(3, core::to_micros(now))
      .run();
  return c.changes() > 0;
}

bool has_online_worker(Connection& c, const std::string& pool_id) {
  return count_sql(c, "SELECT COUNT(*) FROM worker WHERE work_pool_id = ?1 AND status = 'ONLINE'", pool_id) > 0;
}

int64_t active_runs(Connection& c, const std::string& pool_id) {
  return count_sql(c,
                   std::string("SELECT COUNT(*) FROM flow_run JOIN work_queue ON work_queue.id = flow_run.work_queue_id "
                               "WHERE work_queue.work_pool_id = ?1 AND flow_run.state_type IN ") +
                       kSlotStates,
                   pool_id);
}

std::map<std::string, int64_t> active_runs_by_queue(Connection& c, const std::string& pool_id) {
  auto& st = c.prepare(std::string("SELECT flow_run.work_queue_id, COUNT(*) FROM flow_run JOIN work_queue ON "
                                   "work_queue.id = flow_run.work_queue_id WHERE work_queue.work_pool_id = ?1 AND "
                                   "flow_run.state_type IN ") +
                       kSlotStates + " GROUP BY flow_run.work_queue_id");
  st.bind(1, pool_id);
  std::map<std::string, int64_t> out;
  while (st.step()) out[st.column_text(0)] = st.column_int(1);
  st.reset();
  return out;
}

std::vector<core::FlowRun> slot_holders_in_queue(Connection& c, const std::string& queue_id, int64_t limit) {
  SqlCondition where;
  where.sql = std::string("flow_run.work_queue_id = ? AND flow_run.state_type IN ") + kSlotStates;
  where.params = {queue_id};
  return flow_runs::list(c, where, "ORDER BY flow_run.id", limit, 0);
}

std::optional<core::WorkQueue> read_queue(Connection& c, const std::string& id) {
  auto& st = c.prepare(std::string("SELECT ") + kQueueColumns + " FROM work_queue WHERE work_queue.id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  auto q = queue_from_row(st);
  st.reset();
  return q;
}

std::optional<core::WorkQueue> read_queue_by_name(Connection& c, const std::string& pool_id, const std::string& name) {
  auto& st = c.prepare(std::string("SELECT ") + kQueueColumns +
                       " FROM work_queue WHERE work_queue.work_pool_id = ?1 AND work_queue.name = ?2");
  st.bind(1, pool_id).bind(2, name);
  if (!st.step()) return std::nullopt;
  auto q = queue_from_row(st);
  st.reset();
  return q;
}

std::vector<core::WorkQueue> list_queues(Connection& c, const std::string& pool_id) {
  auto& st = c.prepare(std::string("SELECT ") + kQueueColumns +
                       " FROM work_queue WHERE work_queue.work_pool_id = ?1 ORDER BY work_queue.priority, "
                       "work_queue.name");
  st.bind(1, pool_id);
  std::vector<core::WorkQueue> out;
  while (st.step()) out.push_back(queue_from_row(st));
  st.reset();
  return out;
}

std::vector<core::WorkQueue> list_queues_where(Connection& c, const SqlCondition& where, int64_t limit,
                                               int64_t offset, const std::string& order_by) {
  std::string order = order_by.empty() ? "ORDER BY work_queue.priority, work_queue.name" : order_by;
  auto& st = c.prepare(std::string("SELECT ") + kQueueColumns + " FROM work_queue WHERE " + where.sql + " " + order +
                       " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  std::vector<core::WorkQueue> out;
  while (st.step()) out.push_back(queue_from_row(st));
  st.reset();
  return out;
}

int64_t queue_active_runs(Connection& c, const std::string& queue_id) {
  return count_sql(c, std::string("SELECT COUNT(*) FROM flow_run WHERE work_queue_id = ?1 AND state_type IN ") +
                          kSlotStates,
                   queue_id);
}

StatusChanges mark_queues_polled(Connection& c, const std::vector<std::string>& queue_ids, Timestamp now) {
  StatusChanges ready;
  for (const auto& id : queue_ids) {
    for (auto& q : c.prepare("UPDATE work_queue SET status = 'READY' WHERE id = ?1 AND is_paused = 0 AND "
                             "status <> 'READY' RETURNING id")
                       .bind(1, id)
                       .first_column_texts())
      ready.work_queues.push_back(std::move(q));
    c.prepare("UPDATE work_queue SET last_polled = ?2 WHERE id = ?1").bind(1, id).bind(2, core::to_micros(now)).run();
    for (auto& d : c.prepare("UPDATE deployment SET status = 'READY' WHERE work_queue_id = ?1 AND "
                             "status <> 'READY' RETURNING id")
                       .bind(1, id)
                       .first_column_texts())
      ready.deployments.push_back(std::move(d));
    c.prepare("UPDATE deployment SET last_polled = ?2 WHERE work_queue_id = ?1")
        .bind(1, id)
        .bind(2, core::to_micros(now))
        .run();
  }
  return ready;
}

bool record_heartbeat(Connection& c, const std::string& pool_id, const std::string& name,
                      std::optional<int64_t> heartbeat_interval_seconds, Timestamp now) {
  auto& st = c.prepare(
      "INSERT INTO worker(id, created, updated, name, work_pool_id, last_heartbeat_time, "
      "heartbeat_interval_seconds, status) VALUES (?1, ?2, ?2, ?3, ?4, ?2, ?5, 'ONLINE') "
      "ON CONFLICT(work_pool_id, name) DO UPDATE SET last_heartbeat_time = excluded.last_heartbeat_time, "
      "heartbeat_interval_seconds = COALESCE(excluded.heartbeat_interval_seconds, worker.heartbeat_interval_seconds), "
      "status = 'ONLINE', updated = excluded.updated");
  st.bind(1, core::new_uuid4())
      .bind(2, core::to_micros(now))
      .bind(3, name)
      .bind(4, pool_id)
      .bind(5, heartbeat_interval_seconds)
      .run();
  c.prepare("UPDATE work_pool SET status = 'READY', last_transitioned_status_at = ?2 "
            "WHERE id = ?1 AND status = 'NOT_READY' AND is_paused = 0")
      .bind(1, pool_id)
      .bind(2, core::to_micros(now))
      .run();
  return c.changes() > 0;
}

std::vector<core::Worker> list_workers(Connection& c, const std::string& pool_id, int64_t limit, int64_t offset) {
  auto& st = c.prepare(std::string("SELECT ") + kWorkerColumns +
                       " FROM worker WHERE work_pool_id = ?1 ORDER BY last_heartbeat_time DESC LIMIT ?2 OFFSET ?3");
  st.bind(1, pool_id).bind(2, limit).bind(3, offset);
  std::vector<core::Worker> out;
  while (st.step()) out.push_back(worker_from_row(st));
  st.reset();
  return out;
}

bool remove_worker(Connection& c, const std::string& pool_id, const std::string& name) {
  auto& st = c.prepare("DELETE FROM worker WHERE work_pool_id = ?1 AND name = ?2");
  st.bind(1, pool_id).bind(2, name).run();
  return c.changes() > 0;
}

std::vector<ScheduledRun> scheduled_runs(Connection& c, const core::WorkPool& pool,
                                         const std::optional<std::vector<std::string>>& queue_ids,
                                         std::optional<Timestamp> before, std::optional<Timestamp> after,
                                         int64_t limit) {
  std::vector<ScheduledRun> out;
  if (pool.is_paused || limit <= 0) return out;
  int64_t pool_slots = limit;
  if (pool.concurrency_limit) pool_slots = std::max<int64_t>(0, *pool.concurrency_limit - active_runs(c, pool.id));
  struct Candidate {
    int64_t priority;
    int64_t next_start;
    std::string queue_id;
    std::string run_id;
  };
  std::vector<Candidate> candidates;
  auto& st = c.prepare(
      "SELECT id, COALESCE(next_scheduled_start_time, 0) FROM flow_run WHERE work_queue_id = ?1 AND state_type = "
      "'SCHEDULED' AND (json_extract(empirical_policy, '$.retry_type') IS NULL OR "
      "json_extract(empirical_policy, '$.retry_type') <> 'in_process') AND (CAST(?2 AS BIGINT) IS NULL OR "
      "next_scheduled_start_time <= ?2) AND (CAST(?3 AS BIGINT) IS NULL OR next_scheduled_start_time >= ?3) "
      "ORDER BY next_scheduled_start_time LIMIT ?4");
  for (const auto& q : list_queues(c, pool.id)) {
    if (q.is_paused) continue;
    if (queue_ids && std::find(queue_ids->begin(), queue_ids->end(), q.id) == queue_ids->end()) continue;
    int64_t slots = limit;
    if (q.concurrency_limit) slots = std::min(slots, std::max<int64_t>(0, *q.concurrency_limit - queue_active_runs(c, q.id)));
    if (slots == 0) continue;
    st.bind(1, q.id);
    if (before) st.bind(2, core::to_micros(*before)); else st.bind(2, nullptr);
    if (after) st.bind(3, core::to_micros(*after)); else st.bind(3, nullptr);
    st.bind(4, slots);
    while (st.step()) candidates.push_back({q.priority, st.column_int(1), q.id, st.column_text(0)});
    st.reset();
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.next_start < b.next_start;
  });
  int64_t take = std::min<int64_t>(std::min(pool_slots, limit), static_cast<int64_t>(candidates.size()));
  for (int64_t i = 0; i < take; ++i) {
    auto run = flow_runs::read(c, candidates[i].run_id);
    if (!run) continue;
    out.push_back({pool.id, candidates[i].queue_id, std::move(*run)});
  }
  return out;
}

StatusChanges mark_stale(Connection& c, Timestamp now, const Staleness& staleness) {
  StatusChanges stale;
  int64_t now_us = core::to_micros(now);
  c.prepare("UPDATE worker SET status = 'OFFLINE' WHERE status = 'ONLINE' AND last_heartbeat_time < "
            "?1 - COALESCE(heartbeat_interval_seconds * 1000000, ?2) * ?3")
      .bind(1, now_us)
      .bind(2, static_cast<int64_t>(staleness.fallback_heartbeat_interval.count()))
      .bind(3, staleness.heartbeat_multiple)
      .run();
  stale.work_pools =
      c.prepare("UPDATE work_pool SET status = 'NOT_READY', last_transitioned_status_at = ?1 WHERE status = 'READY' "
                "AND is_paused = 0 AND NOT EXISTS (SELECT 1 FROM worker WHERE worker.work_pool_id = work_pool.id "
                "AND worker.status = 'ONLINE') RETURNING id")
          .bind(1, now_us)
          .first_column_texts();
  stale.work_queues =
      c.prepare("UPDATE work_queue SET status = 'NOT_READY' WHERE status = 'READY' AND is_paused = 0 AND "
                "(last_polled IS NULL OR last_polled < ?1) RETURNING id")
          .bind(1, now_us - staleness.queue_after.count())
          .first_column_texts();
  // A deployment stays READY while its queue is polled (a worker polls the queue, not each
  // deployment).
  stale.deployments =
      c.prepare("UPDATE deployment SET status = 'NOT_READY' WHERE status = 'READY' AND (last_polled IS NULL OR "
                "last_polled < ?1) AND NOT EXISTS (SELECT 1 FROM work_queue q WHERE q.id = deployment.work_queue_id "
                "AND q.last_polled >= ?1) RETURNING id")
          .bind(1, now_us - staleness.deployment_after.count())
          .first_column_texts();
  return stale;
}

}  // namespace praetor::store::work_pools
