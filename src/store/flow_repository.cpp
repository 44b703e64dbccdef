#include "store/flow_repository.h"

#include "core/json_util.h"

namespace praetor::store::flows {

namespace json = boost::json;

std::string tags_to_text(const std::vector<std::string>& tags) {
  json::array a;
  for (const auto& t : tags) a.emplace_back(t);
  return json::serialize(a);
}

std::vector<std::string> tags_from_text(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

json::object object_from_text(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

core::Flow flow_from_row(Statement& st, int first) {
  core::Flow f;
  f.id = st.column_text(first);
  f.created = core::from_micros(st.column_int(first + 1));
  f.updated = core::from_micros(st.column_int(first + 2));
  f.name = st.column_text(first + 3);
  f.tags = tags_from_text(st.column_text(first + 4));
  f.labels = object_from_text(st.column_text(first + 5));
  return f;
}

namespace {
std::optional<core::Flow> read_where(Connection& c, const std::string& where, const std::string& arg) {
  auto& st = c.prepare(std::string("SELECT ") + kFlowColumns + " FROM flow WHERE " + where);
  st.bind(1, arg);
  if (!st.step()) return std::nullopt;
  auto f = flow_from_row(st);
  st.reset();
  return f;
}
}  // namespace

std::optional<core::Flow> read(Connection& c, const std::string& id) { return read_where(c, "id = ?1", id); }

std::optional<core::Flow> read_by_name(Connection& c, const std::string& name) {
  return read_where(c, "name = ?1", name);
}

CreateResult get_or_create(Connection& c, const core::Flow& proposed) {
  auto& ins = c.prepare(
      "INSERT INTO flow(id, created, updated, name, tags, labels) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT(name) DO NOTHING");
  ins.bind(1, proposed.id)
      .bind(2, core::to_micros(proposed.created))
      .bind(3, core::to_micros(proposed.updated))
      .bind(4, proposed.name)
      .bind(5, tags_to_text(proposed.tags))
      .bind(6, json::serialize(proposed.labels))
      .run();
  bool created = c.changes() > 0;
  if (created) return {proposed, true};
  return {*read_by_name(c, proposed.name), false};
}

bool update(Connection& c, const std::string& id, const std::optional<std::vector<std::string>>& tags,
            const std::optional<json::object>& labels, core::Timestamp now) {
  auto& st = c.prepare(
      "UPDATE flow SET tags = COALESCE(?2, tags), labels = COALESCE(?3, labels), updated = ?4 WHERE id = ?1");
  st.bind(1, id);
  if (tags) st.bind(2, tags_to_text(*tags)); else st.bind(2, nullptr);
  if (labels) st.bind(3, json::serialize(*labels)); else st.bind(3, nullptr);
  st.bind(4, core::to_micros(now)).run();
  return c.changes() > 0;
}

bool remove(Connection& c, const std::string& id) {
  auto& st = c.prepare("DELETE FROM flow WHERE id = ?1");
  st.bind(1, id).run();
  return c.changes() > 0;
}

std::vector<core::Flow> list(Connection& c, const SqlCondition& where, const std::string& order_by,
                             int64_t limit, int64_t offset) {
  auto& st = c.prepare(std::string("SELECT ") + kFlowColumns + " FROM flow WHERE " + where.sql + " " + order_by +
                       " LIMIT ? OFFSET ?");
  int next = bind_all(st, where.params);
  st.bind(next, limit).bind(next + 1, offset);
  std::vector<core::Flow> out;
  while (st.step()) out.push_back(flow_from_row(st));
  return out;
}

int64_t count(Connection& c, const SqlCondition& where) {
  auto& st = c.prepare("SELECT COUNT(*) FROM flow WHERE " + where.sql);
  bind_all(st, where.params);
  st.step();
  int64_t n = st.column_int(0);
  st.reset();
  return n;
}

std::vector<std::string> remove_many(Connection& c, const std::vector<std::string>& ids) {
  std::vector<std::string> deleted;
  for (const auto& id : ids) {
    if (remove(c, id)) deleted.push_back(id);
  }
  return deleted;
}

}  // namespace praetor::store::flows
