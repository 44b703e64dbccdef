// Many rows of one table written as multi-row `INSERT … VALUES (…), (…), …` statements, so
// a batch costs a few statements (a few round trips on PostgreSQL) instead of one per row.
// Portable as written: both dialects take a VALUES list, ON CONFLICT … DO NOTHING and
// RETURNING after it. Rows go out in statements of power-of-two sizes (256, 128, …, 1; at
// most SQLite's 32,766 parameters), so a table needs only a handful of cached statements
// whatever its batches' sizes, and every NULL of a number column is bound as a typed NULL,
// so each of them is prepared once on PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/connection.h"

namespace praetor::store {

// One value of a row, with its kind kept for a NULL.
class BulkValue {
 public:
  enum class Kind { kText, kInteger, kReal };
  BulkValue(std::nullptr_t) {}  // a NULL text
  BulkValue(int64_t v) : kind_(Kind::kInteger), null_(false), integer_(v) {}
  BulkValue(int v) : BulkValue(static_cast<int64_t>(v)) {}
  BulkValue(bool v) : BulkValue(static_cast<int64_t>(v ? 1 : 0)) {}
  BulkValue(double v) : kind_(Kind::kReal), null_(false), real_(v) {}
  BulkValue(std::string v) : null_(false), text_(std::move(v)) {}
  BulkValue(std::string_view v) : BulkValue(std::string(v)) {}
  BulkValue(const char* v) : BulkValue(std::string(v)) {}
  // A NULL of T's kind when empty.
  template <class T>
  BulkValue(const std::optional<T>& v) : BulkValue(nullptr) {
    if (v) {
      *this = BulkValue(*v);
    } else if constexpr (std::is_integral_v<T>) {
      kind_ = Kind::kInteger;
    } else if constexpr (std::is_floating_point_v<T>) {
      kind_ = Kind::kReal;
    }
  }

  void bind(Statement& st, int index) const;

 private:
  Kind kind_ = Kind::kText;
  bool null_ = true;
  int64_t integer_ = 0;
  double real_ = 0;
  std::string text_;
};

class BulkInsert {
 public:
  // `suffix` follows the VALUES list: an ON CONFLICT clause, a RETURNING clause.
  BulkInsert(std::string table, std::vector<std::string> columns, std::string suffix = {});

  // Appends a row: one value per column, in the columns' order.
  void add(std::vector<BulkValue> row);
  size_t size() const { return rows_; }

  // Inserts the rows added, and forgets them. Returns the first column of the rows the
  // statements returned (a RETURNING clause's), in no particular order.
  std::vector<std::string> run(Connection& c);

 private:
  std::string sql_for(size_t rows) const;

  std::string table_;
  std::vector<std::string> columns_;
  std::string suffix_;
  size_t max_rows_;
  std::vector<BulkValue> values_;  // rows_ × columns_.size()
  size_t rows_ = 0;
};

}  // namespace praetor::store
