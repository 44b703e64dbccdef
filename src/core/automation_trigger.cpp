#include "core/automation_trigger.h"

#include <algorithm>
#include <string>

#include "core/model_fields.h"
#include "core/pydantic_types.h"
#include "core/uuid.h"

namespace praetor::core {

namespace {

// pydantic's union member tags. A CompoundTrigger is wrapped in its model validator twice at
// the top and in a sequence, once among a compound's own triggers (its schema is rebuilt).
constexpr std::string_view kEventTag = "EventTrigger";
constexpr std::string_view kCompoundTag =
    "function-after[validate_require(), function-after[validate_require(), CompoundTrigger]]";
constexpr std::string_view kNestedCompoundTag = "function-after[validate_require(), CompoundTrigger]";
constexpr std::string_view kSequenceTag = "SequenceTrigger";

std::optional<json::object> read_trigger_union(const JsonField& field, bool in_compound);

// A `type: Literal[...] = "<expected>"` field: absent is the default; anything else but the
// literal is a literal_error.
void check_type_literal(const JsonField& member, std::string_view expected) {
  const json::object& in = member.value()->get_object();
  const json::value* type = in.if_contains("type");
  if (!type) return;
  if (type->is_string() && type->get_string() == expected) return;
  std::string quoted = "'" + std::string(expected) + "'";
  member.child("type").error("literal_error", "Input should be " + quoted, json::object{{"expected", quoted}});
}

// Dict[str, Union[str, List[str]]]: the values of one resource specification.
std::optional<json::object> read_labels(const JsonField& field) {
  const json::object* labels = field.value() && field.value()->is_object() ? &field.value()->get_object() : nullptr;
  if (!labels) return std::nullopt;
  bool ok = true;
  for (const auto& kv : *labels) {
    const json::value& v = kv.value();
    if (v.is_string()) continue;
    if (v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                    [](const json::value& x) { return x.is_string(); })) {
      continue;
    }
    JsonField label = field.child(kv.key());
    json::array as_str = label.loc(), as_list = label.loc();
    as_str.emplace_back("str");
    as_list.emplace_back("list[str]");
    JsonField(&v, as_str, field.errors()).error("string_type", "Input should be a valid string");
    JsonField list(&v, as_list, field.errors());
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        if (!v.get_array()[i].is_string()) {
          list.item(i, v.get_array()[i]).error("string_type", "Input should be a valid string");
        }
      }
    } else {
      list.error("list_type", "Input should be a valid list");
    }
    ok = false;
  }
  if (!ok) return std::nullopt;
  return *labels;
}

// `match`: Union[ResourceSpecification, Dict[...]], defaulting to {}.
json::value read_match(const JsonField& field) {
  if (!field.value()) return json::object{};
  if (field.value()->is_object()) {
    if (auto labels = read_labels(field)) return *labels;
    return nullptr;
  }
  for (std::string_view tag : {"ResourceSpecification", "dict[str,union[str,list[str]]]"}) {
    json::array loc = field.loc();
    loc.emplace_back(tag);
    JsonField(field.value(), loc, field.errors()).error("dict_type", "Input should be a valid dictionary");
  }
  return nullptr;
}

// `match_related`: one specification or a list of them, defaulting to {}.
json::value read_match_related(const JsonField& field) {
  if (!field.value()) return json::object{};
  const json::value& v = *field.value();
  if (v.is_object()) return read_match(field);
  if (v.is_array()) {
    json::array out;
    bool ok = true;
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      json::value spec = read_match(field.item(i, v.get_array()[i]));
      if (spec.is_null()) ok = false;
      out.push_back(std::move(spec));
    }
    return ok ? json::value(std::move(out)) : json::value();
  }
  for (std::string_view tag : {"ResourceSpecification", "dict[str,union[str,list[str]]]",
                               "list[union[ResourceSpecification,dict[str,union[str,list[str]]]]]"}) {
    json::array loc = field.loc();
    loc.emplace_back(tag);
    bool is_list = tag.front() == 'l';
    JsonField(&v, loc, field.errors())
        .error(is_list ? "list_type" : "dict_type",
               is_list ? "Input should be a valid list" : "Input should be a valid dictionary");
  }
  return nullptr;
}

// Set[str], defaulting to empty; duplicates dropped, first occurrence kept.
json::array read_string_set(const JsonField& field) {
  json::array out;
  if (!field.value()) return out;
  if (!field.value()->is_array()) {
    field.error("set_type", "Input should be a valid set");
    return out;
  }
  const json::array& items = field.value()->get_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      field.item(i, items[i]).error("string_type", "Input should be a valid string");
      continue;
    }
    if (std::find(out.begin(), out.end(), items[i]) == out.end()) out.push_back(items[i]);
  }
  return out;
}

std::optional<json::object> read_event_trigger(const JsonField& member) {
  const json::object& in = member.value()->get_object();
  // EventTrigger.enforce_minimum_within_for_proactive_triggers (a "before" model validator:
  // its error replaces every field error).
  std::optional<double> within_override;
  if (const json::value* within = in.if_contains("within")) {
    if (within->is_null()) {
      fields::value_error(member, "`within` should be a valid timedelta");
      return std::nullopt;
    }
  }
  const json::value* posture = in.if_contains("posture");
  bool proactive = posture && posture->is_string() && posture->get_string() == "Proactive";
  const json::value* within = in.if_contains("within");
  std::optional<double> parsed = within ? parse_timedelta(*within) : std::nullopt;
  if (proactive && (!within || parsed)) {
    if (!parsed || *parsed == 0) {
      within_override = 10.0;
    } else if (*parsed < 10.0) {
      fields::value_error(member, "`within` for Proactive triggers must be greater than or equal to 10 seconds");
      return std::nullopt;
    }
  }

  check_type_literal(member, "event");
  if (member.child("id").set()) (void)member.child("id").uuid();
  json::value match = read_match(member.child("match"));
  json::value match_related = read_match_related(member.child("match_related"));
  json::array after = read_string_set(member.child("after"));
  json::array expect = read_string_set(member.child("expect"));
  json::array for_each = read_string_set(member.child("for_each"));
  if (!posture) {
    member.missing("posture");
  } else if (!posture->is_string() || (posture->get_string() != "Reactive" && posture->get_string() != "Proactive")) {
    member.child("posture").error("literal_error", "Input should be Posture.Reactive or Posture.Proactive",
                                  json::object{{"expected", "Posture.Reactive or Posture.Proactive"}});
  }
  int64_t threshold = 1;
  if (in.contains("threshold")) {
    auto t = member.child("threshold").integer();
    if (t) threshold = *t;
    else if (in.at("threshold").is_null()) member.child("threshold").error("int_type", "Input should be a valid integer");
  }
  double within_seconds = 0;
  if (within) {
    if (auto w = read_timedelta(member.child("within"), true)) within_seconds = *w;
  }
  if (within_override) within_seconds = *within_override;
  if (!member.errors()->empty()) return std::nullopt;
  return json::object{{"type", "event"},
                      {"id", new_uuid4()},
                      {"match", std::move(match)},
                      {"match_related", std::move(match_related)},
                      {"after", std::move(after)},
                      {"expect", std::move(expect)},
                      {"for_each", std::move(for_each)},
                      {"posture", *posture},
                      {"threshold", threshold},
                      {"within", within_seconds}};
}

// The fields CompoundTrigger and SequenceTrigger share: triggers and within (both required;
// within may be null).
struct CompositeFields {
  json::array triggers;
  json::value within;
};

std::optional<CompositeFields> read_composite(const JsonField& member, std::string_view type, bool compound) {
  const json::object& in = member.value()->get_object();
  check_type_literal(member, type);
  CompositeFields out;
  bool triggers_ok = true;
  if (!in.contains("triggers")) {
    member.missing("triggers");
  } else if (const json::array* list = member.child("triggers").list()) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto child = read_trigger_union(member.child("triggers").item(i, (*list)[i]), compound);
      if (child) out.triggers.push_back(std::move(*child));
      else triggers_ok = false;
    }
  } else if (in.at("triggers").is_null()) {
    member.child("triggers").error("list_type", "Input should be a valid list");
  }
  (void)triggers_ok;
  if (!in.contains("within")) {
    member.missing("within");
  } else if (!in.at("within").is_null()) {
    if (auto w = read_timedelta(member.child("within"), false)) out.within = *w;
  }
  return out;
}

std::optional<json::object> read_compound_trigger(const JsonField& member) {
  const json::object& in = member.value()->get_object();
  auto composite = read_composite(member, "compound", true);
  json::value require;
  if (!in.contains("require")) {
    member.missing("require");
  } else {
    const json::value& r = in.at("require");
    if (r.is_string() && (r.get_string() == "any" || r.get_string() == "all")) {
      require = r;
    } else {
      // Union[int, Literal["any", "all"]]: an integral value (or numeric text) is the int.
      auto as_int = with_fresh_errors(member.child("require")).integer();
      if (as_int && !r.is_bool()) {
        require = *as_int;
      } else {
        JsonField field = member.child("require");
        json::array int_loc = field.loc(), literal_loc = field.loc();
        int_loc.emplace_back("int");
        literal_loc.emplace_back("literal['any','all']");
        JsonField as_int_field(&r, int_loc, member.errors());
        if (r.is_string()) {
          as_int_field.error("int_parsing", "Input should be a valid integer, unable to parse string as an integer");
        } else {
          as_int_field.error("int_type", "Input should be a valid integer");
        }
        JsonField(&r, literal_loc, member.errors())
            .error("literal_error", "Input should be 'any' or 'all'", json::object{{"expected", "'any' or 'all'"}});
      }
    }
  }
  if (!member.errors()->empty()) return std::nullopt;
  // CompoundTrigger.validate_require
  if (require.is_int64()) {
    if (require.get_int64() < 1) {
      fields::value_error(member, "require must be at least 1");
      return std::nullopt;
    }
    if (static_cast<std::size_t>(require.get_int64()) > composite->triggers.size()) {
      fields::value_error(member, "require must be less than or equal to the number of triggers");
      return std::nullopt;
    }
  }
  return json::object{{"type", "compound"},
                      {"id", new_uuid4()},
                      {"triggers", std::move(composite->triggers)},
                      {"within", std::move(composite->within)},
                      {"require", std::move(require)}};
}

std::optional<json::object> read_sequence_trigger(const JsonField& member) {
  auto composite = read_composite(member, "sequence", false);
  if (!member.errors()->empty()) return std::nullopt;
  return json::object{{"type", "sequence"},
                      {"id", new_uuid4()},
                      {"triggers", std::move(composite->triggers)},
                      {"within", std::move(composite->within)}};
}

std::optional<json::object> read_trigger_union(const JsonField& field, bool in_compound) {
  return read_union(field, {{kEventTag, read_event_trigger},
                            {in_compound ? kNestedCompoundTag : kCompoundTag, read_compound_trigger},
                            {kSequenceTag, read_sequence_trigger}});
}

}  // namespace

std::optional<json::object> read_trigger(const JsonField& field) { return read_trigger_union(field, false); }

bool matches_every_resource_of_kind(const json::value& spec, std::string_view prefix) {
  if (!spec.is_object()) return false;
  const json::object& labels = spec.get_object();
  if (labels.empty()) return true;
  if (labels.size() != 1) return false;
  const json::value* id = labels.if_contains("prefect.resource.id");
  if (!id) return false;
  std::string wildcard = std::string(prefix) + ".*";
  if (id->is_string()) return id->get_string() == wildcard;
  if (id->is_array()) {
    for (const auto& v : id->get_array()) {
      if (v.is_string() && v.get_string() == wildcard) return true;
    }
  }
  return false;
}

}  // namespace praetor::core
