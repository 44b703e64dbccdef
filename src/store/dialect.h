// SQL fragments that differ between SQLite and PostgreSQL as syntax. Functions SQLite has
// and PostgreSQL lacks (json_each, json_extract, json_array_length, instr, glob, julianday)
// exist on PostgreSQL with SQLite's meaning (migrations/postgres/0001), so portable SQL may
// call them directly. Also portable as written: `?N`/`?` placeholders (translated by the
// PostgreSQL connection), ON CONFLICT … DO NOTHING/UPDATE, RETURNING, COALESCE, "limit".
// Not portable: a bare 1/0 as a condition (write 1=1, 1=0), arithmetic on a comparison,
// scalar MAX/MIN, CAST(x AS INTEGER) of a fraction, INSERT OR IGNORE/REPLACE, GLOB as an
// operator, LIKE's case-insensitivity (lower() both sides).
// A parameter whose only use is `? IS NULL` is untyped on PostgreSQL when bound to NULL:
// write CAST(? AS BIGINT) (or TEXT) there.
#pragma once

#include <string>

#include "store/connection.h"

namespace praetor::store::sql {

// "INSERT OR IGNORE" / "INSERT": pair with on_conflict_ignore at the statement's end.
const char* insert_or_ignore(Dialect d);
// "" / " ON CONFLICT DO NOTHING".
const char* on_conflict_ignore(Dialect d);
// The larger / smaller of two values: "MAX(a, b)" / "GREATEST(a, b)".
std::string greatest(Dialect d, const std::string& a, const std::string& b);
std::string least(Dialect d, const std::string& a, const std::string& b);
// An integer from a number, truncated toward zero as SQLite's CAST does (PostgreSQL rounds).
std::string truncate_to_integer(Dialect d, const std::string& expr);
// A row-locking suffix for a SELECT: "" / " FOR UPDATE". SQLite's single writer already
// serialises writes.
const char* for_update(Dialect d);
// "" / " FOR UPDATE SKIP LOCKED": rows another transaction holds are left out, not waited for.
const char* for_update_skip_locked(Dialect d);

}  // namespace praetor::store::sql
