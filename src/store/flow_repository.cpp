#include "store/flow_repository.h"

#include <set>

#include "core/flow.h"
#include "core/json_util.h"
#include "store/model_table.h"
#include "store/sql_conditions.h"

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

std::optional<json::object> read(Connection& c, const std::string& id) {
  return model_rows::find(c, core::flow_model(), "id", id);
}

std::optional<json::object> read_by_name(Connection& c, const std::string& name) {
  return model_rows::find(c, core::flow_model(), "name", name);
}

json::object labels(Connection& c, const std::string& id) {
  auto flow = read(c, id);
  if (!flow) return {};
  const json::value& labels = flow->at("labels");
  return labels.is_object() ? labels.get_object() : json::object{};
}

CreateResult get_or_create(Connection& c, const json::object& proposed) {
  if (model_rows::insert_if_absent(c, core::flow_model(), proposed)) return {proposed, true};
  return {*read_by_name(c, std::string(proposed.at("name").get_string())), false};
}

std::vector<std::string> remove_many(Connection& c, const std::vector<std::string>& ids) {
  std::vector<std::string> existing;
  if (ids.empty()) return existing;
  // Both statements bind the ids as one JSON list (?1), expanded by json_each.
  const std::string list = sql::json_list(ids);
  auto& select = c.prepare("SELECT id FROM flow WHERE id IN (SELECT value FROM json_each(?1))");
  select.bind(1, list);
  std::set<std::string> found;
  while (select.step()) found.insert(select.column_text(0));
  for (const auto& id : ids) {
    if (found.count(id)) existing.push_back(id);
  }
  if (!existing.empty()) c.prepare("DELETE FROM flow WHERE id IN (SELECT value FROM json_each(?1))").bind(1, list).run();
  return existing;
}

}  // namespace praetor::store::flows
