#include "store/bulk_insert.h"

#include <stdexcept>

namespace praetor::store {

namespace {

constexpr size_t kMaxRowsPerStatement = 256;
constexpr size_t kMaxParameters = 32766;  // SQLite's default limit (PostgreSQL's is 65,535)

}  // namespace

void BulkValue::bind(Statement& st, int index) const {
  if (null_) {
    if (kind_ == Kind::kInteger) st.bind_null_integer(index);
    else if (kind_ == Kind::kReal) st.bind_null_double(index);
    else st.bind(index, nullptr);
    return;
  }
  if (kind_ == Kind::kInteger) st.bind(index, integer_);
  else if (kind_ == Kind::kReal) st.bind(index, real_);
  else st.bind(index, text_);
}

BulkInsert::BulkInsert(std::string table, std::vector<std::string> columns, std::string suffix)
    : table_(std::move(table)), columns_(std::move(columns)), suffix_(std::move(suffix)) {
  if (columns_.empty()) throw std::invalid_argument("BulkInsert into " + table_ + " without columns");
  max_rows_ = 1;
  while (max_rows_ * 2 <= kMaxRowsPerStatement && max_rows_ * 2 * columns_.size() <= kMaxParameters) max_rows_ *= 2;
}

void BulkInsert::add(std::vector<BulkValue> row) {
  if (row.size() != columns_.size()) {
    throw DatabaseError(DatabaseError::Kind::kOther, "a row of " + std::to_string(row.size()) + " values for the " +
                                                         std::to_string(columns_.size()) + " columns of " + table_);
  }
  for (auto& v : row) values_.push_back(std::move(v));
  ++rows_;
}

std::string BulkInsert::sql_for(size_t rows) const {
  std::string sql = "INSERT INTO " + table_ + "(";
  for (size_t i = 0; i < columns_.size(); ++i) sql += (i ? ", " : "") + columns_[i];
  sql += ") VALUES ";
  int n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (size_t i = 0; i < columns_.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(++n);
    sql += ")";
  }
  return sql + suffix_;
}

std::vector<std::string> BulkInsert::run(Connection& c) {
  std::vector<std::string> returned;
  size_t done = 0;
  while (done < rows_) {
    size_t rows = max_rows_;
    while (rows > rows_ - done) rows /= 2;
    auto& st = c.prepare(sql_for(rows));
    const size_t first = done * columns_.size();
    for (size_t i = 0; i < rows * columns_.size(); ++i) values_[first + i].bind(st, static_cast<int>(i + 1));
    while (st.step()) returned.push_back(st.column_text(0));
    st.reset();
    done += rows;
  }
  values_.clear();
  rows_ = 0;
  return returned;
}

}  // namespace praetor::store
