// Log rows (Prefect's `log` table). Functions take the Connection of a Database::read/write
// call and throw DatabaseError on database failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/filters.h"
#include "store/connection.h"

namespace praetor::store::logs {

struct Log {
  std::string id;  // uuid7, minted by the caller
  core::Timestamp created;
  core::Timestamp updated;
  std::string name;
  int64_t level = 0;
  std::string message;
  core::Timestamp timestamp;
  std::optional<std::string> flow_run_id;
  std::optional<std::string> task_run_id;
  std::optional<std::string> worker_id;  // stored, not part of Prefect's Log response
};

// Inserts every log in multi-row statements (store/bulk_insert.h); call inside one
// Database::write so a batch costs one commit.
void insert_many(Connection& c, const std::vector<Log>& logs);

// Logs matching a compiled filter (FilterRoot::kLog), in `order_by` ("ORDER BY …").
std::vector<Log> list(Connection& c, const SqlCondition& where, const std::string& order_by, int64_t limit,
                      int64_t offset);

}  // namespace praetor::store::logs
