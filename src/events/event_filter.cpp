#include "events/event_filter.h"

#include <algorithm>
#include <chrono>

#include "core/json_util.h"

namespace praetor::events {

namespace json = boost::json;
using store::SqlCondition;
using store::SqlValue;

namespace {

constexpr const char* kResourceId = "prefect.resource.id";
constexpr const char* kResourceRole = "prefect.resource.role";

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool contains(const StringList& list, std::string_view s) { return std::find(list.begin(), list.end(), s) != list.end(); }

// ----- parsing -----

std::optional<LabelSpec> read_labels(core::FieldReader& r, std::string_view key) {
  const json::object* o = r.object(key);
  if (!o) return std::nullopt;
  LabelSpec spec;
  for (const auto& kv : *o) {
    StringList patterns;
    if (kv.value().is_string()) {
      patterns.emplace_back(kv.value().get_string());
    } else if (const json::array* a = kv.value().if_array()) {
      for (const auto& item : *a) {
        if (!item.is_string()) {
          r.add_error(key, "string_type", "Input should be a valid string", item);
          return std::nullopt;
        }
        patterns.emplace_back(item.get_string());
      }
    } else {
      r.add_error(key, "string_type", "Input should be a valid string or list of strings", kv.value());
      return std::nullopt;
    }
    spec.emplace_back(std::string(kv.key()), std::move(patterns));
  }
  return spec;
}

ResourceCriteria read_criteria(core::FieldReader r, bool related) {
  ResourceCriteria c;
  c.id = r.string_list("id").value_or(StringList{});
  if (!related) c.id_prefix = r.string_list("id_prefix").value_or(StringList{});
  c.labels = read_labels(r, "labels");
  if (related) {
    c.role = r.string_list("role").value_or(StringList{});
    if (const json::array* pairs = r.array("resources_in_roles")) {
      for (const auto& p : *pairs) {
        const json::array* pair = p.if_array();
        if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) {
          r.add_error("resources_in_roles", "tuple_type", "Input should be a valid tuple of two strings", p);
          break;
        }
        c.resources_in_roles.emplace_back(std::string((*pair)[0].get_string()), std::string((*pair)[1].get_string()));
      }
    }
  } else {
    c.distinct = r.boolean("distinct").value_or(false);
  }
  return c;
}

// A criteria object, or a list of them (each ANDed). `loc` is the filter's location.
std::vector<ResourceCriteria> read_criteria_list(core::FieldReader& r, const json::array& loc, std::string_view key,
                                                 bool related) {
  std::vector<ResourceCriteria> out;
  const json::value* v = r.raw(key);
  if (!v || v->is_null()) return out;
  if (v->is_object()) {
    out.push_back(read_criteria(r.nested(key), related));
  } else if (const json::array* a = v->if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      json::array item_loc = loc;
      item_loc.emplace_back(key);
      item_loc.emplace_back(static_cast<int64_t>(i));
      if (!(*a)[i].is_object()) {
        r.add_error(key, "model_type", "Input should be a valid dictionary or instance", (*a)[i]);
        continue;
      }
      core::FieldReader item((*a)[i], item_loc);
      out.push_back(read_criteria(item, related));
      if (!item.ok()) r.add_error(key, "value_error", "Invalid resource filter", (*a)[i]);
    }
  } else {
    r.add_error(key, "model_type", "Input should be a valid dictionary or list", *v);
  }
  return out;
}

core::Timestamp start_of_day(core::Timestamp t) {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::floor<std::chrono::days>(t));
}

json::array to_array(const StringList& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return a;
}

json::object criteria_json(const ResourceCriteria& c, bool related) {
  json::object o;
  if (!c.id.empty()) o["id"] = to_array(c.id);
  if (!c.id_prefix.empty()) o["id_prefix"] = to_array(c.id_prefix);
  if (related && !c.role.empty()) o["role"] = to_array(c.role);
  if (!c.resources_in_roles.empty()) {
    json::array pairs;
    for (const auto& [id, role] : c.resources_in_roles) pairs.push_back(json::array{id, role});
    o["resources_in_roles"] = std::move(pairs);
  }
  if (c.labels) {
    json::object labels;
    for (const auto& [label, patterns] : *c.labels) labels[label] = to_array(patterns);
    o["labels"] = std::move(labels);
  }
  if (c.distinct) o["distinct"] = true;
  return o;
}

// ----- in-memory matching -----

std::optional<std::string> label_of(const json::object& resource, std::string_view key) {
  auto it = resource.find(key);
  if (it == resource.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

// Length of the UTF-8 sequence starting with byte `b` (1 for stray bytes).
std::size_t utf8_length(unsigned char b) {
  if (b >= 0xF0) return 4;
  if (b >= 0xE0) return 3;
  if (b >= 0xC0) return 2;
  return 1;
}

bool glob(std::string_view p, std::string_view s) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '?') {
      ++pi;
      si += std::min(utf8_length(static_cast<unsigned char>(s[si])), s.size() - si);
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      mark += std::min(utf8_length(static_cast<unsigned char>(s[mark])), s.size() - mark);
      si = mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool any_label_matches(const StringList& patterns, const std::optional<std::string>& value) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return label_matches(p, value); });
}

// `role` is '' for the primary resource. `role_from_labels`: whether a
// "prefect.resource.role" label names roles exactly (related/any_resource) or is an
// ordinary label (resource).
bool labels_match(const LabelSpec& spec, const json::object& resource, const std::string& role, bool role_from_labels) {
  for (const auto& [label, patterns] : spec) {
    if (label == kResourceId) {
      if (patterns.empty()) continue;  // Prefect pops an empty id list: no condition
      if (!any_label_matches(patterns, label_of(resource, kResourceId))) return false;
    } else if (role_from_labels && label == kResourceRole) {
      if (patterns.empty()) continue;
      if (!contains(patterns, role)) return false;
    } else if (label == kResourceRole) {
      // As an ordinary label (the primary resource): Prefect's stored label map has no
      // role, so the lookup finds nothing and never matches.
      return false;
    } else {
      if (!any_label_matches(patterns, label_of(resource, label))) return false;
    }
  }
  return true;
}

struct Involved {
  const json::object* labels;
  std::string id;
  std::string role;
};

std::vector<Involved> involved_resources(const Event& e) {
  std::vector<Involved> out;
  out.push_back({&e.resource, label_of(e.resource, kResourceId).value_or(""), ""});
  for (const auto& r : e.related) {
    if (const json::object* o = r.if_object()) {
      out.push_back({o, label_of(*o, kResourceId).value_or(""), label_of(*o, kResourceRole).value_or("")});
    }
  }
  return out;
}

bool related_matches(const ResourceCriteria& c, const Involved& r) {
  if (!c.id.empty() && !contains(c.id, r.id)) return false;
  if (!c.role.empty() && !contains(c.role, r.role)) return false;
  if (!c.resources_in_roles.empty() &&
      std::none_of(c.resources_in_roles.begin(), c.resources_in_roles.end(),
                   [&](const auto& p) { return p.first == r.id && p.second == r.role; })) {
    return false;
  }
  if (c.labels && !labels_match(*c.labels, *r.labels, r.role, true)) return false;
  return true;
}

bool related_is_active(const ResourceCriteria& c) {
  return !c.id.empty() || !c.role.empty() || !c.resources_in_roles.empty() || c.labels.has_value();
}

bool any_resource_matches(const ResourceCriteria& c, const Involved& r) {
  if (!c.id.empty() && !contains(c.id, r.id)) return false;
  if (!c.id_prefix.empty() &&
      std::none_of(c.id_prefix.begin(), c.id_prefix.end(), [&](const auto& p) { return starts_with(r.id, p); })) {
    return false;
  }
  if (c.labels && !labels_match(*c.labels, *r.labels, r.role, true)) return false;
  return true;
}

bool text_matches(const TextQuery& q, const Event& e) {
  std::string haystack = ascii_lower(json::serialize(to_json(e)));
  auto found = [&](const std::string& term) { return haystack.find(term) != std::string::npos; };
  if (!q.include.empty() && std::none_of(q.include.begin(), q.include.end(), found)) return false;
  if (std::any_of(q.exclude.begin(), q.exclude.end(), found)) return false;
  if (!std::all_of(q.required.begin(), q.required.end(), found)) return false;
  return true;
}

// ----- SQL -----

class SqlBuilder {
 public:
  void add(std::string clause) { clauses_.push_back(std::move(clause)); }
  std::string placeholders(const StringList& values, std::vector<SqlValue>& params) {
    std::string out;
    for (const auto& v : values) {
      if (!out.empty()) out += ", ";
      out += "?";
      params.emplace_back(v);
    }
    return out;
  }
  std::string joined() const {
    if (clauses_.empty()) return "1=1";
    std::string out;
    for (const auto& c : clauses_) {
      if (!out.empty()) out += " AND ";
      out += "(" + c + ")";
    }
    return out;
  }

 private:
  std::vector<std::string> clauses_;
};

// GLOB treats '[' as a character class; Prefect's patterns only know '*' and '?'.
std::string glob_pattern(std::string_view pattern) {
  std::string out;
  for (char ch : pattern) {
    if (ch == '[') {
      out += "[[]";
    } else {
      out += ch;
    }
  }
  return out;
}

// (column matches any pattern), each pattern possibly negated.
std::string glob_any(const std::string& column, const StringList& patterns, std::vector<SqlValue>& params) {
  if (patterns.empty()) return "1=0";
  std::string out;
  for (const auto& p : patterns) {
    if (!out.empty()) out += " OR ";
    bool negated = starts_with(p, "!");
    out += negated ? "NOT glob(?, " + column + ")" : "glob(?, " + column + ")";
    params.emplace_back(glob_pattern(negated ? std::string_view(p).substr(1) : std::string_view(p)));
  }
  return out;
}

std::string prefix_any(const std::string& column, const StringList& prefixes, std::vector<SqlValue>& params) {
  std::string out;
  for (const auto& p : prefixes) {
    if (!out.empty()) out += " OR ";
    out += "substr(" + column + ", 1, length(?)) = ?";
    params.emplace_back(p);
    params.emplace_back(p);
  }
  return out;
}

// Conditions on event_resource `r` for a label spec.
void label_clauses(const LabelSpec& spec, bool role_from_labels, std::vector<std::string>& out,
                   std::vector<SqlValue>& params) {
  for (const auto& [label, patterns] : spec) {
    if (label == kResourceId) {
      if (patterns.empty()) continue;
      out.push_back(glob_any("r.resource_id", patterns, params));
    } else if (role_from_labels && label == kResourceRole) {
      if (patterns.empty()) continue;
      std::string in;
      for (const auto& p : patterns) {
        in += in.empty() ? "?" : ", ?";
        params.emplace_back(p);
      }
      out.push_back("r.resource_role IN (" + in + ")");
    } else if (patterns.empty()) {
      out.push_back("1=0");
    } else {
      params.emplace_back(label);
      std::string any = glob_any("j.value", patterns, params);
      out.push_back("EXISTS (SELECT 1 FROM json_each(r.resource) j WHERE j.key = ? AND (" + any + "))");
    }
  }
}

// "e.id IN (SELECT r.event_id FROM event_resource r WHERE <occurred range> AND …)".
std::string resource_subquery(const EventFilter& f, const std::vector<std::string>& conditions,
                              std::vector<SqlValue>& params, std::vector<SqlValue>& condition_params) {
  params.emplace_back(core::to_micros(f.since));
  params.emplace_back(core::to_micros(f.until));
  for (auto& p : condition_params) params.push_back(std::move(p));
  std::string sql = "e.id IN (SELECT r.event_id FROM event_resource r WHERE r.occurred >= ? AND r.occurred <= ?";
  for (const auto& c : conditions) sql += " AND (" + c + ")";
  return sql + ")";
}

void add_text_terms(SqlBuilder& b, const StringList& terms, const char* join, bool negate, std::vector<SqlValue>& params) {
  if (terms.empty()) return;
  std::string clause;
  for (const auto& t : terms) {
    if (!clause.empty()) clause += join;
    clause += negate ? "instr(lower(e.doc), ?) = 0" : "instr(lower(e.doc), ?) > 0";
    params.emplace_back(t);
  }
  b.add(clause);
}

}  // namespace

bool label_matches(std::string_view pattern, const std::optional<std::string>& value) {
  if (!value) return false;
  bool negated = starts_with(pattern, "!");
  if (negated) pattern.remove_prefix(1);
  bool m = glob(pattern, *value);
  return negated ? !m : m;
}

TextQuery parse_text_query(std::string_view q) {
  TextQuery out;
  auto is_space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; };
  auto add = [&](char prefix, std::string term) {
    term = ascii_lower(term);
    if (prefix == '-' || prefix == '!') {
      out.exclude.push_back(std::move(term));
    } else if (prefix == '+') {
      out.required.push_back(std::move(term));
    } else {
      out.include.push_back(std::move(term));
    }
  };
  std::size_t i = 0;
  while (i < q.size()) {
    if (is_space(q[i])) {
      ++i;
      continue;
    }
    char prefix = 0;
    if (q[i] == '-' || q[i] == '!' || q[i] == '+') {
      // A lone sign (followed by a space or the end) is skipped.
      if (i + 1 >= q.size() || is_space(q[i + 1])) {
        ++i;
        continue;
      }
      prefix = q[i++];
    }
    if (q[i] == '"') {
      ++i;
      std::string phrase;
      while (i < q.size() && q[i] != '"') {
        if (q[i] == '\\' && i + 1 < q.size() && (q[i + 1] == '"' || q[i + 1] == '\\')) {
          phrase += q[i + 1];
          i += 2;
        } else {
          phrase += q[i++];
        }
      }
      if (i < q.size()) ++i;  // closing quote
      bool blank = std::all_of(phrase.begin(), phrase.end(), is_space);
      if (!blank) add(prefix, std::move(phrase));
      continue;
    }
    std::size_t start = i;
    while (i < q.size() && !is_space(q[i]) && q[i] != '"') ++i;
    if (i > start) add(prefix, std::string(q.substr(start, i - start)));
  }
  return out;
}

core::Result<EventFilter> parse_event_filter(const json::value* v, core::Timestamp now, json::array loc) {
  EventFilter f;
  f.since = start_of_day(now) - std::chrono::days(180);
  f.until = now;
  if (!v || v->is_null()) return f;
  if (!v->is_object()) return core::validation_error(loc, "model_type", "Input should be a valid dictionary", *v);
  core::FieldReader r(*v, loc);
  if (r.has("occurred")) {
    core::FieldReader occ = r.nested("occurred");
    if (auto since = occ.timestamp("since")) f.since = *since;
    if (auto until = occ.timestamp("until")) f.until = *until;
  }
  if (r.has("event")) {
    core::FieldReader ev = r.nested("event");
    f.prefix = ev.string_list("prefix").value_or(StringList{});
    f.exclude_prefix = ev.string_list("exclude_prefix").value_or(StringList{});
    f.name = ev.string_list("name").value_or(StringList{});
    f.exclude_name = ev.string_list("exclude_name").value_or(StringList{});
  }
  if (r.has("resource")) f.resource = read_criteria(r.nested("resource"), false);
  f.related = read_criteria_list(r, loc, "related", true);
  f.any_resource = read_criteria_list(r, loc, "any_resource", false);
  if (r.has("id")) f.ids = r.nested("id").uuid_list("id").value_or(StringList{});
  if (r.has("text")) {
    core::FieldReader text = r.nested("text");
    if (auto query = text.string("query", true)) {
      if (query->size() > 200) {
        text.add_error("query", "string_too_long", "String should have at most 200 characters", json::value(*query));
      } else {
        f.text = parse_text_query(*query);
      }
    }
  }
  if (auto order = r.string("order")) {
    if (*order == "ASC") {
      f.ascending = true;
    } else if (*order != "DESC") {
      r.add_error("order", "enum", "Input should be 'ASC' or 'DESC'", json::value(*order));
    }
  }
  if (!r.ok()) return r.error();
  return f;
}

json::object to_json(const EventFilter& f) {
  json::object o{{"occurred", json::object{{"since", core::format_timestamp(f.since)},
                                           {"until", core::format_timestamp(f.until)}}}};
  json::object ev;
  if (!f.prefix.empty()) ev["prefix"] = to_array(f.prefix);
  if (!f.exclude_prefix.empty()) ev["exclude_prefix"] = to_array(f.exclude_prefix);
  if (!f.name.empty()) ev["name"] = to_array(f.name);
  if (!f.exclude_name.empty()) ev["exclude_name"] = to_array(f.exclude_name);
  if (!ev.empty()) o["event"] = std::move(ev);
  if (f.resource) o["resource"] = criteria_json(*f.resource, false);
  if (!f.related.empty()) {
    json::array a;
    for (const auto& c : f.related) a.push_back(criteria_json(c, true));
    o["related"] = std::move(a);
  }
  if (!f.any_resource.empty()) {
    json::array a;
    for (const auto& c : f.any_resource) a.push_back(criteria_json(c, false));
    o["any_resource"] = std::move(a);
  }
  if (!f.ids.empty()) o["id"] = json::object{{"id", to_array(f.ids)}};
  if (f.text) {
    // Re-encoded in the query syntax; terms are already lower-cased.
    std::string q;
    auto add = [&](const char* sign, const StringList& terms) {
      for (const auto& t : terms) {
        std::string escaped;
        for (char ch : t) {
          if (ch == '"' || ch == '\\') escaped += '\\';
          escaped += ch;
        }
        q += std::string(q.empty() ? "" : " ") + sign + "\"" + escaped + "\"";
      }
    };
    add("", f.text->include);
    add("-", f.text->exclude);
    add("+", f.text->required);
    o["text"] = json::object{{"query", q}};
  }
  o["order"] = f.ascending ? "ASC" : "DESC";
  return o;
}

bool matches(const EventFilter& f, const Event& e) {
  if (e.occurred < f.since || e.occurred > f.until) return false;
  if (!f.prefix.empty() &&
      std::none_of(f.prefix.begin(), f.prefix.end(), [&](const auto& p) { return starts_with(e.event, p); })) {
    return false;
  }
  if (std::any_of(f.exclude_prefix.begin(), f.exclude_prefix.end(),
                  [&](const auto& p) { return starts_with(e.event, p); })) {
    return false;
  }
  if (!f.name.empty() && !contains(f.name, e.event)) return false;
  if (contains(f.exclude_name, e.event)) return false;
  auto resources = involved_resources(e);
  if (f.resource) {
    const ResourceCriteria& c = *f.resource;
    const Involved& primary = resources.front();
    if (!c.id.empty() && !contains(c.id, primary.id)) return false;
    if (!c.id_prefix.empty() && std::none_of(c.id_prefix.begin(), c.id_prefix.end(),
                                             [&](const auto& p) { return starts_with(primary.id, p); })) {
      return false;
    }
    if (c.labels && !labels_match(*c.labels, *primary.labels, "", false)) return false;
  }
  for (const auto& c : f.related) {
    if (!related_is_active(c)) continue;
    bool any = std::any_of(resources.begin(), resources.end(), [&](const Involved& r) {
      if (c.role.empty() && r.role.empty()) return false;  // only related resources by default
      return related_matches(c, r);
    });
    if (!any) return false;
  }
  for (const auto& c : f.any_resource) {
    if (c.id.empty() && c.id_prefix.empty() && !c.labels) continue;
    if (std::none_of(resources.begin(), resources.end(), [&](const Involved& r) { return any_resource_matches(c, r); })) {
      return false;
    }
  }
  if (!f.ids.empty() && !contains(f.ids, e.id)) return false;
  if (f.text && !text_matches(*f.text, e)) return false;
  return true;
}

SqlCondition to_sql(const EventFilter& f) {
  SqlBuilder b;
  std::vector<SqlValue> params;
  b.add("e.occurred >= ? AND e.occurred <= ?");
  params.emplace_back(core::to_micros(f.since));
  params.emplace_back(core::to_micros(f.until));
  if (!f.prefix.empty()) b.add(prefix_any("e.event", f.prefix, params));
  for (const auto& p : f.exclude_prefix) b.add("NOT (" + prefix_any("e.event", {p}, params) + ")");
  if (!f.name.empty()) b.add("e.event IN (" + b.placeholders(f.name, params) + ")");
  if (!f.exclude_name.empty()) b.add("e.event NOT IN (" + b.placeholders(f.exclude_name, params) + ")");
  if (f.resource) {
    const ResourceCriteria& c = *f.resource;
    if (!c.id.empty()) b.add("e.resource_id IN (" + b.placeholders(c.id, params) + ")");
    if (!c.id_prefix.empty()) b.add(prefix_any("e.resource_id", c.id_prefix, params));
    if (c.labels) {
      std::vector<std::string> conds{"r.resource_role = ''"};
      std::vector<SqlValue> cond_params;
      label_clauses(*c.labels, false, conds, cond_params);
      b.add(resource_subquery(f, conds, params, cond_params));
    }
  }
  for (const auto& c : f.related) {
    if (!related_is_active(c)) continue;
    std::vector<std::string> conds;
    std::vector<SqlValue> cond_params;
    if (!c.id.empty()) conds.push_back("r.resource_id IN (" + b.placeholders(c.id, cond_params) + ")");
    if (!c.role.empty()) conds.push_back("r.resource_role IN (" + b.placeholders(c.role, cond_params) + ")");
    if (!c.resources_in_roles.empty()) {
      std::string pairs;
      for (const auto& [id, role] : c.resources_in_roles) {
        if (!pairs.empty()) pairs += " OR ";
        pairs += "(r.resource_id = ? AND r.resource_role = ?)";
        cond_params.emplace_back(id);
        cond_params.emplace_back(role);
      }
      conds.push_back(pairs);
    }
    if (c.labels) label_clauses(*c.labels, true, conds, cond_params);
    if (c.role.empty()) conds.push_back("r.resource_role <> ''");
    b.add(resource_subquery(f, conds, params, cond_params));
  }
  for (const auto& c : f.any_resource) {
    if (c.id.empty() && c.id_prefix.empty() && !c.labels) continue;
    std::vector<std::string> conds;
    std::vector<SqlValue> cond_params;
    if (!c.id.empty()) conds.push_back("r.resource_id IN (" + b.placeholders(c.id, cond_params) + ")");
    if (!c.id_prefix.empty()) conds.push_back(prefix_any("r.resource_id", c.id_prefix, cond_params));
    if (c.labels) label_clauses(*c.labels, true, conds, cond_params);
    b.add(resource_subquery(f, conds, params, cond_params));
  }
  if (!f.ids.empty()) b.add("e.id IN (" + b.placeholders(f.ids, params) + ")");
  if (f.text) {
    add_text_terms(b, f.text->include, " OR ", false, params);
    add_text_terms(b, f.text->exclude, " AND ", true, params);
    add_text_terms(b, f.text->required, " AND ", false, params);
  }
  return SqlCondition{b.joined(), std::move(params)};
}

}  // namespace praetor::events
