#include "store/dialect.h"

namespace praetor::store::sql {

namespace {
bool pg(Dialect d) { return d == Dialect::kPostgres; }
}  // namespace

const char* insert_or_ignore(Dialect d) { return pg(d) ? "INSERT" : "INSERT OR IGNORE"; }
const char* on_conflict_ignore(Dialect d) { return pg(d) ? " ON CONFLICT DO NOTHING" : ""; }

std::string greatest(Dialect d, const std::string& a, const std::string& b) {
  return std::string(pg(d) ? "GREATEST(" : "MAX(") + a + ", " + b + ")";
}
std::string least(Dialect d, const std::string& a, const std::string& b) {
  return std::string(pg(d) ? "LEAST(" : "MIN(") + a + ", " + b + ")";
}

std::string truncate_to_integer(Dialect d, const std::string& expr) {
  return pg(d) ? "CAST(trunc(" + expr + ") AS BIGINT)" : "CAST(" + expr + " AS INTEGER)";
}

const char* for_update(Dialect d) { return pg(d) ? " FOR UPDATE" : ""; }
const char* for_update_skip_locked(Dialect d) { return pg(d) ? " FOR UPDATE SKIP LOCKED" : ""; }

}  // namespace praetor::store::sql
