#include "store/log_repository.h"

#include "store/bulk_insert.h"

namespace praetor::store::logs {

void insert_many(Connection& c, const std::vector<Log>& logs) {
  BulkInsert insert("log", {"id", "created", "updated", "name", "level", "flow_run_id", "task_run_id", "worker_id",
                            "message", "timestamp"});
  for (const auto& log : logs) {
    insert.add({log.id, core::to_micros(log.created), core::to_micros(log.updated), log.name, log.level,
                log.flow_run_id, log.task_run_id, log.worker_id, log.message, core::to_micros(log.timestamp)});
  }
  insert.run(c);
}

std::vector<Log> list(Connection& c, const SqlCondition& where, const std::string& order_by, int64_t limit,
                      int64_t offset) {
  auto& st = c.prepare(
      "SELECT log.id, log.created, log.updated, log.name, log.level, log.message, log.timestamp, log.flow_run_id, "
      "log.task_run_id, log.worker_id FROM log WHERE " +
      where.sql + " " + order_by + " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  std::vector<Log> out;
  while (st.step()) {
    Log log;
    log.id = st.column_text(0);
    log.created = core::from_micros(st.column_int(1));
    log.updated = core::from_micros(st.column_int(2));
    log.name = st.column_text(3);
    log.level = st.column_int(4);
    log.message = st.column_text(5);
    log.timestamp = core::from_micros(st.column_int(6));
    log.flow_run_id = st.column_optional_text(7);
    log.task_run_id = st.column_optional_text(8);
    log.worker_id = st.column_optional_text(9);
    out.push_back(std::move(log));
  }
  return out;
}

}  // namespace praetor::store::logs
