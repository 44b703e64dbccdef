#include "store/model_table.h"

#include "core/json_util.h"
#include "store/bulk_insert.h"

namespace praetor::store::model_rows {

namespace json = boost::json;
using core::Field;
using core::FieldType;
using core::Model;
using core::Storage;

namespace {

std::string quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

// "col1", "col2", …[, data]: the select (qualified) and insert column list, in model order.
std::string column_list(const Model& model, bool qualified) {
  std::string prefix = qualified ? std::string(model.table) + "." : "";
  std::string out;
  for (const auto& f : model.fields) {
    if (f.storage != Storage::kColumn) continue;
    if (!out.empty()) out += ", ";
    out += prefix + quoted(f.name);
  }
  if (model.has_documents()) out += ", " + prefix + "data";
  return out;
}

void bind_value(Statement& st, int index, const Field& f, const json::value* v) {
  if (!v || (v->is_null() && f.type != FieldType::kAny)) {
    st.bind(index, nullptr);
    return;
  }
  switch (f.type) {
    case FieldType::kUuid:
    case FieldType::kString:
      st.bind(index, std::string_view(v->get_string()));
      return;
    case FieldType::kInteger:
      st.bind(index, v->to_number<int64_t>());
      return;
    case FieldType::kNumber:
      st.bind(index, v->to_number<double>());
      return;
    case FieldType::kBoolean:
      st.bind(index, v->get_bool());
      return;
    case FieldType::kTimestamp:
      st.bind(index, core::to_micros(*core::parse_timestamp(v->get_string())));
      return;
    case FieldType::kStringList:
    case FieldType::kList:
    case FieldType::kDict:
    case FieldType::kAny:
      st.bind(index, core::to_json_text(*v));
      return;
  }
}

json::value column_value(const Statement& st, int col, const Field& f) {
  if (st.is_null(col)) return nullptr;
  switch (f.type) {
    case FieldType::kUuid:
    case FieldType::kString:
      return json::value(st.column_text(col));
    case FieldType::kInteger:
      return json::value(st.column_int(col));
    case FieldType::kNumber:
      return json::value(st.column_double(col));
    case FieldType::kBoolean:
      return json::value(st.column_int(col) != 0);
    case FieldType::kTimestamp:
      return json::value(core::format_timestamp(core::from_micros(st.column_int(col))));
    case FieldType::kStringList:
    case FieldType::kList:
    case FieldType::kDict:
    case FieldType::kAny:
      return json::parse(st.column_text(col));
  }
  return nullptr;
}

// Binds the column fields of `object`, then its documents, from index `first`; returns the
// next free index.
int bind_object(Statement& st, const Model& model, const json::object& object, int first) {
  int i = first;
  json::object documents;
  for (const auto& f : model.fields) {
    const json::value* v = object.if_contains(f.name);
    if (f.storage == Storage::kDocument) {
      if (v) documents[f.name] = *v;
      continue;
    }
    bind_value(st, i++, f, v);
  }
  if (model.has_documents()) st.bind(i++, core::to_json_text(documents));
  return i;
}

json::object object_from_row(const Statement& st, const Model& model) {
  json::object out;
  int col = 0;
  for (const auto& f : model.fields) {
    if (f.storage == Storage::kColumn) out[f.name] = column_value(st, col++, f);
  }
  if (model.has_documents() && !st.is_null(col)) {
    json::value documents = json::parse(st.column_text(col));
    if (documents.is_object()) {
      for (const auto& f : model.fields) {
        if (f.storage != Storage::kDocument) continue;
        if (const json::value* v = documents.get_object().if_contains(f.name)) out[f.name] = *v;
      }
    }
  }
  return out;
}

std::string select_from(const Model& model) {
  return "SELECT " + column_list(model, true) + " FROM " + std::string(model.table);
}

}  // namespace

std::string field_expression(const Model& model, const Field& field) {
  if (field.storage == Storage::kColumn) return std::string(model.table) + "." + quoted(field.name);
  return "json_extract(" + std::string(model.table) + ".data, '$." + std::string(field.name) + "')";
}

namespace {

void insert_statement(Connection& c, const Model& model, const json::object& object, std::string_view suffix) {
  std::string placeholders;
  int n = 0;
  for (const auto& f : model.fields) {
    if (f.storage == Storage::kColumn) ++n;
  }
  if (model.has_documents()) ++n;
  for (int i = 1; i <= n; ++i) placeholders += (i > 1 ? ", ?" : "?") + std::to_string(i);
  std::string columns = column_list(model, false);
  auto& st = c.prepare("INSERT INTO " + std::string(model.table) + " (" + columns + ") VALUES (" + placeholders + ")" +
                       std::string(suffix));
  bind_object(st, model, object, 1);
  st.run();
}

}  // namespace

void insert(Connection& c, const Model& model, const json::object& object) { insert_statement(c, model, object, ""); }

namespace {

// The bind of bind_value() as one value of a multi-row insert (a NULL keeps its kind).
BulkValue bulk_value(const Field& f, const json::value* v) {
  bool null = !v || (v->is_null() && f.type != FieldType::kAny);
  switch (f.type) {
    case FieldType::kUuid:
    case FieldType::kString:
      if (null) return nullptr;
      return std::string_view(v->get_string());
    case FieldType::kInteger:
      if (null) return std::optional<int64_t>();
      return v->to_number<int64_t>();
    case FieldType::kNumber:
      if (null) return std::optional<double>();
      return v->to_number<double>();
    case FieldType::kBoolean:
      if (null) return std::optional<int64_t>();
      return v->get_bool();
    case FieldType::kTimestamp:
      if (null) return std::optional<int64_t>();
      return core::to_micros(*core::parse_timestamp(v->get_string()));
    case FieldType::kStringList:
    case FieldType::kList:
    case FieldType::kDict:
    case FieldType::kAny:
      if (null) return nullptr;
      return core::to_json_text(*v);
  }
  return nullptr;
}

}  // namespace

void insert_many(Connection& c, const Model& model, const std::vector<json::object>& objects) {
  if (objects.empty()) return;
  std::vector<std::string> columns;
  for (const auto& f : model.fields) {
    if (f.storage == Storage::kColumn) columns.push_back(quoted(f.name));
  }
  if (model.has_documents()) columns.emplace_back("data");
  BulkInsert insert(std::string(model.table), columns);
  for (const auto& object : objects) {
    std::vector<BulkValue> row;
    row.reserve(columns.size());
    json::object documents;
    for (const auto& f : model.fields) {
      const json::value* v = object.if_contains(f.name);
      if (f.storage == Storage::kDocument) {
        if (v) documents[f.name] = *v;
        continue;
      }
      row.push_back(bulk_value(f, v));
    }
    if (model.has_documents()) row.emplace_back(core::to_json_text(documents));
    insert.add(std::move(row));
  }
  insert.run(c);
}

bool insert_if_absent(Connection& c, const Model& model, const json::object& object) {
  insert_statement(c, model, object, " ON CONFLICT DO NOTHING");
  return c.changes() > 0;
}

std::optional<json::object> find(Connection& c, const Model& model, std::string_view column, std::string_view value) {
  auto& st = c.prepare(select_from(model) + " WHERE " + std::string(model.table) + "." + quoted(column) + " = ?1");
  st.bind(1, value);
  if (!st.step()) return std::nullopt;
  auto out = object_from_row(st, model);
  st.reset();
  return out;
}

bool replace(Connection& c, const Model& model, const json::object& object) {
  std::string sets;
  int i = 1;
  for (const auto& f : model.fields) {
    if (f.storage != Storage::kColumn) continue;
    if (!sets.empty()) sets += ", ";
    sets += quoted(f.name) + " = ?" + std::to_string(i++);
  }
  if (model.has_documents()) sets += ", data = ?" + std::to_string(i++);
  auto& st = c.prepare("UPDATE " + std::string(model.table) + " SET " + sets + " WHERE id = ?" + std::to_string(i));
  int next = bind_object(st, model, object, 1);
  st.bind(next, std::string_view(object.at("id").get_string()));
  st.run();
  return c.changes() > 0;
}

std::optional<json::object> remove(Connection& c, const Model& model, std::string_view column,
                                   std::string_view value) {
  auto existing = find(c, model, column, value);
  if (!existing) return std::nullopt;
  erase(c, model, existing->at("id").get_string());
  return existing;
}

bool erase(Connection& c, const Model& model, std::string_view id) {
  c.prepare("DELETE FROM " + std::string(model.table) + " WHERE id = ?1").bind(1, id).run();
  return c.changes() > 0;
}

json::array list(Connection& c, const Model& model, const SqlCondition& where, const std::string& order_by,
                 int64_t limit, int64_t offset) {
  auto& st = c.prepare(select_from(model) + " WHERE " + where.sql + " " + order_by + " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  json::array out;
  while (st.step()) out.emplace_back(object_from_row(st, model));
  return out;
}

int64_t count(Connection& c, const Model& model, const SqlCondition& where) {
  auto& st = c.prepare("SELECT COUNT(*) FROM " + std::string(model.table) + " WHERE " + where.sql);
  bind_all(st, where.params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

}  // namespace praetor::store::model_rows
