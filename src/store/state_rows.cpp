#include "store/state_rows.h"

namespace praetor::store {

BulkInsert state_rows(const std::string& table, const std::string& run_column) {
  return BulkInsert(table, {"id", run_column, "created", "type", "name", "timestamp", "message", "state_details", "data"});
}

void add_state_row(BulkInsert& rows, const std::string& run_id, const core::State& s, core::Timestamp created) {
  rows.add({s.id, run_id, core::to_micros(created), core::to_string(s.type), s.name, core::to_micros(s.timestamp),
            s.message, boost::json::serialize(s.state_details),
            s.data.is_null() ? BulkValue(nullptr) : BulkValue(boost::json::serialize(s.data))});
}

}  // namespace praetor::store
