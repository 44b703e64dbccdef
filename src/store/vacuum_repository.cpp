#include "store/vacuum_repository.h"

#include <boost/json.hpp>

#include "store/dialect.h"

namespace praetor::store::vacuum {

namespace {

// The ids as one JSON array parameter, so a batch is a fixed handful of statements whatever
// its size (read back through json_each, which both dialects have: store/dialect.h).
std::string json_array(const std::vector<std::string>& ids) {
  boost::json::array out;
  for (const auto& id : ids) out.emplace_back(id);
  return boost::json::serialize(out);
}

constexpr const char* kIds = "(SELECT value FROM json_each(?1))";

}  // namespace

const char* table_name(RunChild child) { return child == RunChild::kLog ? "log" : "artifact"; }

EventsDeleted delete_old_events(Connection& c, core::Timestamp cutoff, const std::optional<std::string>& event_type,
                                int64_t limit) {
  auto& select = c.prepare(event_type ? "SELECT id FROM event WHERE occurred < ?1 AND event = ?3 LIMIT ?2"
                                      : "SELECT id FROM event WHERE occurred < ?1 LIMIT ?2");
  select.bind(1, core::to_micros(cutoff)).bind(2, limit);
  if (event_type) select.bind(3, *event_type);
  const std::vector<std::string> ids = select.first_column_texts();
  EventsDeleted out;
  if (ids.empty()) return out;
  const std::string list = json_array(ids);
  c.prepare(std::string("DELETE FROM event_resource WHERE event_id IN ") + kIds).bind(1, list).run();
  out.resources = c.changes();
  c.prepare(std::string("DELETE FROM event WHERE id IN ") + kIds).bind(1, list).run();
  out.events = c.changes();
  return out;
}

std::vector<std::string> delete_old_flow_runs(Connection& c, core::Timestamp cutoff, int64_t limit) {
  auto& select = c.prepare(
      std::string("SELECT id FROM flow_run WHERE parent_task_run_id IS NULL AND "
                  "state_type IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED') AND end_time IS NOT NULL AND "
                  "end_time < ?1 ORDER BY id LIMIT ?2") +
      sql::for_update_skip_locked(c.dialect()));
  select.bind(1, core::to_micros(cutoff)).bind(2, limit);
  std::vector<std::string> ids = select.first_column_texts();
  if (ids.empty()) return ids;
  const std::string list = json_array(ids);
  const std::string tasks = std::string("(SELECT id FROM task_run WHERE flow_run_id IN ") + kIds + ")";
  for (const std::string& sql : {"UPDATE flow_run SET parent_task_run_id = NULL WHERE parent_task_run_id IN " + tasks,
                                 "DELETE FROM task_run_state WHERE task_run_id IN " + tasks,
                                 std::string("DELETE FROM task_run WHERE flow_run_id IN ") + kIds,
                                 std::string("DELETE FROM flow_run_state WHERE flow_run_id IN ") + kIds,
                                 std::string("DELETE FROM flow_run_input WHERE flow_run_id IN ") + kIds,
                                 std::string("DELETE FROM flow_run WHERE id IN ") + kIds}) {
    c.prepare(sql).bind(1, list).run();
  }
  return ids;
}

int64_t delete_rows_of_flow_runs(Connection& c, RunChild child, const std::vector<std::string>& flow_run_ids,
                                 std::size_t& next, int64_t limit, bool only_if_run_missing) {
  const std::string table = table_name(child);
  auto& del = c.prepare("DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table +
                        " WHERE flow_run_id = ?1" +
                        (only_if_run_missing ? " AND NOT EXISTS (SELECT 1 FROM flow_run WHERE flow_run.id = ?1)" : "") +
                        " LIMIT ?2)");
  int64_t deleted = 0;
  while (next < flow_run_ids.size() && deleted < limit) {
    const int64_t budget = limit - deleted;
    del.bind(1, flow_run_ids[next]).bind(2, budget).run();
    const int64_t n = c.changes();
    del.reset();
    deleted += n;
    if (n < budget) ++next;  // this run has no rows left
  }
  return deleted;
}

std::vector<std::string> referenced_flow_run_ids(Connection& c, RunChild child, const std::string& after,
                                                 int64_t limit) {
  const std::string table = table_name(child);
  auto& st = c.prepare("SELECT DISTINCT flow_run_id FROM " + table +
                       " WHERE flow_run_id IS NOT NULL AND flow_run_id > ?1 ORDER BY flow_run_id LIMIT ?2");
  st.bind(1, after).bind(2, limit);
  return st.first_column_texts();
}

std::vector<std::string> missing_flow_runs(Connection& c, const std::vector<std::string>& ids) {
  auto& st = c.prepare("SELECT 1 FROM flow_run WHERE id = ?1");
  std::vector<std::string> out;
  for (const std::string& id : ids) {
    st.bind(1, id);
    if (!st.step()) out.push_back(id);
    st.reset();
  }
  return out;
}

CollectionsReconciled reconcile_stale_artifact_collections(Connection& c, int64_t limit) {
  auto& stale = c.prepare(
      "SELECT id, key FROM artifact_collection WHERE NOT EXISTS "
      "(SELECT 1 FROM artifact WHERE artifact.id = artifact_collection.latest_id) LIMIT ?1");
  stale.bind(1, limit);
  std::vector<std::pair<std::string, std::string>> rows;
  while (stale.step()) rows.emplace_back(stale.column_text(0), stale.column_text(1));
  stale.reset();
  CollectionsReconciled out;
  for (const auto& [id, key] : rows) {
    // Prefect's models.artifacts.delete_artifact: the newest remaining artifact of the key.
    auto& next = c.prepare("SELECT id FROM artifact WHERE key = ?1 ORDER BY created DESC LIMIT 1");
    next.bind(1, key);
    std::optional<std::string> latest;
    if (next.step()) latest = next.column_text(0);
    next.reset();
    if (latest) {
      c.prepare(
           "UPDATE artifact_collection SET (latest_id, data, description, type, created, updated, flow_run_id, "
           "task_run_id, metadata_) = (SELECT id, data, description, type, created, updated, flow_run_id, "
           "task_run_id, metadata_ FROM artifact WHERE artifact.id = ?2) WHERE id = ?1")
          .bind(1, id)
          .bind(2, *latest)
          .run();
      ++out.repointed;
    } else {
      c.prepare("DELETE FROM artifact_collection WHERE id = ?1").bind(1, id).run();
      ++out.removed;
    }
  }
  return out;
}

}  // namespace praetor::store::vacuum
