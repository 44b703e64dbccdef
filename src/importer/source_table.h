// A Prefect table described once: its columns, where each lands in the row type T, the
// order it is read in and how one row is written into Praetor. Everything else is derived
// from that description: the select, the conversion of a row into a T, the streaming in
// batches (one write transaction per batch) and the table's counts (import_table).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "importer/import_steps.h"

namespace praetor::importer {

// How a value of C++ type M is stored in a Prefect column, and how it is read into an M.
// A NULL, or a column an older Prefect schema lacks, leaves the member's default.
template <class M>
struct ColumnOf;

template <>
struct ColumnOf<std::string> {
  static constexpr ColumnKind kKind = ColumnKind::kText;
  static void read(const SourceRow& r, std::string_view c, std::string& v) {
    if (auto t = r.text(c)) v = std::move(*t);
  }
};
template <>
struct ColumnOf<std::optional<std::string>> {
  static constexpr ColumnKind kKind = ColumnKind::kText;
  static void read(const SourceRow& r, std::string_view c, std::optional<std::string>& v) { v = r.text(c); }
};
template <>
struct ColumnOf<core::Timestamp> {
  static constexpr ColumnKind kKind = ColumnKind::kTimestamp;
  static void read(const SourceRow& r, std::string_view c, core::Timestamp& v) {
    if (auto t = r.time(c)) v = *t;
  }
};
template <>
struct ColumnOf<std::optional<core::Timestamp>> {
  static constexpr ColumnKind kKind = ColumnKind::kTimestamp;
  static void read(const SourceRow& r, std::string_view c, std::optional<core::Timestamp>& v) { v = r.time(c); }
};
template <>
struct ColumnOf<std::chrono::microseconds> {
  static constexpr ColumnKind kKind = ColumnKind::kInterval;
  static void read(const SourceRow& r, std::string_view c, std::chrono::microseconds& v) { v = r.interval(c); }
};
template <>
struct ColumnOf<boost::json::value> {
  static constexpr ColumnKind kKind = ColumnKind::kJson;
  static void read(const SourceRow& r, std::string_view c, boost::json::value& v) { v = r.json(c); }
};
template <>
struct ColumnOf<boost::json::object> {
  static constexpr ColumnKind kKind = ColumnKind::kJson;
  static void read(const SourceRow& r, std::string_view c, boost::json::object& v) { v = r.object(c); }
};
template <>
struct ColumnOf<std::vector<std::string>> {  // a JSON list of strings
  static constexpr ColumnKind kKind = ColumnKind::kJson;
  static void read(const SourceRow& r, std::string_view c, std::vector<std::string>& v) { v = r.strings(c); }
};
template <>
struct ColumnOf<bool> {
  static constexpr ColumnKind kKind = ColumnKind::kBool;
  static void read(const SourceRow& r, std::string_view c, bool& v) {
    if (r.text(c)) v = r.flag(c);
  }
};
template <>
struct ColumnOf<int64_t> {
  static constexpr ColumnKind kKind = ColumnKind::kNumber;
  static void read(const SourceRow& r, std::string_view c, int64_t& v) {
    if (auto n = r.integer(c)) v = *n;
  }
};
template <>
struct ColumnOf<std::optional<int64_t>> {
  static constexpr ColumnKind kKind = ColumnKind::kNumber;
  static void read(const SourceRow& r, std::string_view c, std::optional<int64_t>& v) { v = r.integer(c); }
};
template <>
struct ColumnOf<double> {
  static constexpr ColumnKind kKind = ColumnKind::kNumber;
  static void read(const SourceRow& r, std::string_view c, double& v) {
    if (r.text(c)) v = r.number(c);
  }
};

// One Prefect column and how its value lands in a T.
template <class T>
struct ColumnInto {
  SourceColumn column;
  std::function<void(const SourceRow&, std::string_view column, T&)> read;
};

// The column `name` read into `member`, its kind from the member's type.
template <class T, class M>
ColumnInto<T> column(std::string name, M T::*member) {
  return {{std::move(name), ColumnOf<M>::kKind},
          [member](const SourceRow& r, std::string_view c, T& into) { ColumnOf<M>::read(r, c, into.*member); }};
}

// The column `name` of `kind`, read by `read` (a conversion of its own).
template <class T>
ColumnInto<T> column(std::string name, ColumnKind kind,
                     std::function<void(const SourceRow&, std::string_view column, T&)> read) {
  return {{std::move(name), kind}, std::move(read)};
}

// The columns of an Inner, read into the `member` of an Outer that wraps it.
template <class Outer, class Inner>
std::vector<ColumnInto<Outer>> columns_of_member(const std::vector<ColumnInto<Inner>>& columns, Inner Outer::*member) {
  std::vector<ColumnInto<Outer>> out;
  for (const auto& c : columns) {
    out.push_back({c.column, [read = c.read, member](const SourceRow& r, std::string_view name, Outer& into) {
                     read(r, name, into.*member);
                   }});
  }
  return out;
}

// Prefect's id, created and updated columns (every table but the events has them) before
// `rest`.
template <class T>
std::vector<ColumnInto<T>> with_row_columns(std::vector<ColumnInto<T>> rest) {
  std::vector<ColumnInto<T>> out = {column("id", &T::id), column("created", &T::created),
                                    column("updated", &T::updated)};
  for (auto& c : rest) out.push_back(std::move(c));
  return out;
}

template <class T>
struct SourceTable {
  std::string table;  // Prefect's
  // Praetor's table holding the rows by Prefect's ids: a row already there is left alone
  // (import_steps.h write_in_batches).
  std::string praetor_table;
  std::vector<ColumnInto<T>> columns;
  // Writes one row into Praetor inside the batch's transaction; or, with `write_many`, a
  // batch's rows at once.
  std::function<RowOutcome(store::Connection&, const T&)> write;
  BatchWriter<T> write_many;
  std::string order_by = "created, id";
  size_t batch = 500;

  std::vector<SourceColumn> source_columns() const {
    std::vector<SourceColumn> out;
    out.reserve(columns.size());
    for (const auto& c : columns) out.push_back(c.column);
    return out;
  }

  T read(const SourceRow& row) const {
    T into{};
    for (const auto& c : columns) c.read(row, c.column.name, into);
    return into;
  }
};

// The counts of Prefect's `table` before anything is copied.
inline TableOutcome outcome_for(PrefectSource& source, const std::string& table) {
  TableOutcome out;
  out.table = table;
  out.in_prefect = source.count(table);
  return out;
}

// Reads `t` in its order, `t.batch` rows at a time, and writes each batch in one transaction.
template <class T>
core::Result<TableOutcome> import_table(PrefectSource& source, store::Database& db, const SourceTable<T>& t) {
  TableOutcome out = outcome_for(source, t.table);
  const std::vector<SourceColumn> columns = t.source_columns();
  auto cursor = source.select(t.table, columns, t.order_by);
  std::vector<T> batch;
  batch.reserve(t.batch);
  for (;;) {
    auto row = cursor->next();
    if (row) batch.push_back(t.read(*row));
    if (batch.size() == t.batch || (!row && !batch.empty())) {
      auto st = t.write_many ? write_in_batches<T>(db, batch, t.batch, out, t.write_many, t.praetor_table)
                             : write_in_batches<T>(db, batch, t.batch, out, t.write, t.praetor_table);
      if (!st) return st.error();
      batch.clear();
    }
    if (!row) return out;
  }
}

}  // namespace praetor::importer
