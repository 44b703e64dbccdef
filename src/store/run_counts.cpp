#include "store/run_counts.h"

namespace praetor::store {

namespace {

std::map<std::string, int64_t> count_by_state_type(Connection& c, const std::string& table) {
  std::map<std::string, int64_t> out;
  auto& st = c.prepare("SELECT state_type, COUNT(*) FROM " + table + " GROUP BY state_type");
  while (st.step()) out[st.column_optional_text(0).value_or("")] += st.column_int(1);
  return out;
}

}  // namespace

RunCounts count_runs_by_state_type(Connection& c) {
  return RunCounts{count_by_state_type(c, "flow_run"), count_by_state_type(c, "task_run")};
}

}  // namespace praetor::store
