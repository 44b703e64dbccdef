#include "store/log_repository.h"

namespace praetor::store::logs {

void insert_many(Connection& c, const std::vector<Log>& logs) {
  auto& st = c.prepare(
      "INSERT INTO log(id, created, updated, name, level, flow_run_id, task_run_id, worker_id, message, timestamp) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  for (const auto& log : logs) {
    st.reset();
    st.bind(1, log.id)
        .bind(2, core::to_micros(log.created))
        .bind(3, core::to_micros(log.updated))
        .bind(4, log.name)
        .bind(5, log.level)
        .bind(6, log.flow_run_id)
        .bind(7, log.task_run_id)
        .bind(8, log.worker_id)
        .bind(9, log.message)
        .bind(10, core::to_micros(log.timestamp))
        .run();
  }
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
