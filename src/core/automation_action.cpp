#include "core/automation_action.h"

#include <string>
#include <vector>

#include "core/model_fields.h"
#include "core/pydantic_types.h"
#include "core/user_template.h"

namespace praetor::core {

namespace {

// How one action field is read (its pydantic type and default).
enum class Kind {
  kSource,          // Literal["selected", "inferred"] = "selected"
  kOptionalUuid,    // Optional[UUID] = None
  kRequiredUuid,    // UUID
  kOptionalDict,    // Optional[Dict[str, Any]] = None
  kScheduleAfter,   // NonNegativeTimeDelta = 0
  kOptionalString,  // Optional[str] = None
  kTemplate,        // str (a template), default `default_text` unless required
  kPayload,         // str template; a dict is turned into indented JSON text first
  kStateType,       // StateType (required)
  kFalse,           // bool = False
};

struct ActionField {
  std::string_view name;
  Kind kind;
  bool required = false;
  std::string_view default_text = {};
};

struct ActionSpec {
  std::string_view type;
  std::string_view tag;  // pydantic's union member tag
  std::vector<ActionField> fields;
  std::string_view selected_id = {};  // "deployment_id": the selected_…_requires_id validator's field
};

std::vector<ActionField> source_and(std::string_view id_field) {
  return {{"source", Kind::kSource}, {id_field, Kind::kOptionalUuid}};
}

const std::vector<ActionSpec>& action_specs() {
  static const std::vector<ActionSpec> kSpecs = [] {
    std::vector<ActionSpec> s;
    s.push_back({"do-nothing", "DoNothing", {}});
    auto run = source_and("deployment_id");
    run.push_back({"parameters", Kind::kOptionalDict});
    run.push_back({"job_variables", Kind::kOptionalDict});
    run.push_back({"schedule_after", Kind::kScheduleAfter});
    s.push_back({"run-deployment", "function-after[selected_deployment_requires_id(), RunDeployment]", run,
                 "deployment_id"});
    s.push_back({"pause-deployment", "function-after[selected_deployment_requires_id(), PauseDeployment]",
                 source_and("deployment_id"), "deployment_id"});
    s.push_back({"resume-deployment", "function-after[selected_deployment_requires_id(), ResumeDeployment]",
                 source_and("deployment_id"), "deployment_id"});
    s.push_back({"cancel-flow-run", "CancelFlowRun", {}});
    s.push_back({"delete-flow-run", "DeleteFlowRun", {}});
    s.push_back({"change-flow-run-state",
                 "ChangeFlowRunState",
                 {{"name", Kind::kOptionalString},
                  {"state", Kind::kStateType, true},
                  {"message", Kind::kOptionalString},
                  {"force", Kind::kFalse}}});
    s.push_back({"pause-work-queue", "function-after[selected_work_queue_requires_id(), PauseWorkQueue]",
                 source_and("work_queue_id"), "work_queue_id"});
    s.push_back({"resume-work-queue", "function-after[selected_work_queue_requires_id(), ResumeWorkQueue]",
                 source_and("work_queue_id"), "work_queue_id"});
    s.push_back({"send-notification",
                 "SendNotification",
                 {{"block_document_id", Kind::kRequiredUuid, true},
                  {"subject", Kind::kTemplate, false, "Prefect automated notification"},
                  {"body", Kind::kTemplate, true}}});
    s.push_back({"call-webhook",
                 "CallWebhook",
                 {{"block_document_id", Kind::kRequiredUuid, true}, {"payload", Kind::kPayload, false, ""}}});
    s.push_back({"pause-automation", "function-after[selected_automation_requires_id(), PauseAutomation]",
                 source_and("automation_id"), "automation_id"});
    s.push_back({"resume-automation", "function-after[selected_automation_requires_id(), ResumeAutomation]",
                 source_and("automation_id"), "automation_id"});
    s.push_back({"suspend-flow-run", "SuspendFlowRun", {}});
    s.push_back({"resume-flow-run", "ResumeFlowRun", {}});
    s.push_back({"pause-work-pool", "function-after[selected_work_pool_requires_id(), PauseWorkPool]",
                 source_and("work_pool_id"), "work_pool_id"});
    s.push_back({"resume-work-pool", "function-after[selected_work_pool_requires_id(), ResumeWorkPool]",
                 source_and("work_pool_id"), "work_pool_id"});
    return s;
  }();
  return kSpecs;
}

// orjson's OPT_INDENT_2 text of a JSON value (CallWebhook.ensure_payload_is_a_string).
void append_indented(std::string& out, const json::value& v, int depth) {
  std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' '), close(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + json::serialize(json::value(kv.key())) + ": ";
      append_indented(out, kv.value(), depth + 1);
    }
    out += "\n" + close + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.get_array()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      append_indented(out, item, depth + 1);
    }
    out += "\n" + close + "]";
  } else {
    out += json::serialize(v);
  }
}

// A template field's validator: Prefect's "'<field>' is not a valid template: <reason>".
bool check_template(const JsonField& field, std::string_view name, const std::string& text) {
  auto problem = check_user_template(text);
  if (!problem) return true;
  fields::value_error(field, "'" + std::string(name) + "' is not a valid template: " + problem->message);
  return false;
}

json::value read_field(const JsonField& member, const ActionField& f) {
  JsonField node = member.child(f.name);
  const json::value* v = member.value()->get_object().if_contains(f.name);
  switch (f.kind) {
    case Kind::kSource: {
      if (!v) return "selected";
      if (v->is_string() && (v->get_string() == "selected" || v->get_string() == "inferred")) return *v;
      node.error("literal_error", "Input should be 'selected' or 'inferred'",
                 json::object{{"expected", "'selected' or 'inferred'"}});
      return nullptr;
    }
    case Kind::kOptionalUuid:
      if (auto id = node.uuid()) return json::value(*id);
      return nullptr;
    case Kind::kRequiredUuid:
      if (!node.set()) {
        if (v) node.error("uuid_type", "UUID input should be a string, bytes or UUID object");
        else member.missing(f.name);
        return nullptr;
      }
      if (auto id = node.uuid()) return json::value(*id);
      return nullptr;
    case Kind::kOptionalDict:
      if (const json::object* d = node.dict()) return *d;
      return nullptr;
    case Kind::kScheduleAfter:
      if (!v) return 0.0;
      if (auto s = read_timedelta(node, true)) return *s;
      return nullptr;
    case Kind::kOptionalString:
      if (auto s = node.string()) return json::value(*s);
      return nullptr;
    case Kind::kTemplate:
    case Kind::kPayload: {
      if (!v || (v->is_null() && f.kind == Kind::kPayload)) {
        if (f.required) member.missing(f.name);
        return json::value(f.default_text);
      }
      std::string text;
      if (f.kind == Kind::kPayload && !v->is_string()) {
        append_indented(text, *v, 0);
      } else if (auto s = node.string()) {
        text = *s;
      } else {
        if (v->is_null()) node.error("string_type", "Input should be a valid string");
        return nullptr;
      }
      if (!text.empty()) check_template(node, f.name, text);
      return json::value(text);
    }
    case Kind::kStateType:
      if (!v) {
        member.missing(f.name);
        return nullptr;
      }
      if (auto s = node.enum_value({"SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED",
                                    "PAUSED", "CANCELLING"})) {
        return json::value(*s);
      }
      return nullptr;
    case Kind::kFalse:
      if (!v) return false;
      if (auto b = node.boolean()) return *b;
      return nullptr;
  }
  return nullptr;
}

std::optional<json::object> read_one(const JsonField& member, const ActionSpec& spec) {
  const json::object& in = member.value()->get_object();
  if (const json::value* type = in.if_contains("type"); type && !(type->is_string() && type->get_string() == spec.type)) {
    std::string quoted = "'" + std::string(spec.type) + "'";
    member.child("type").error("literal_error", "Input should be " + quoted, json::object{{"expected", quoted}});
  }
  json::object out{{"type", spec.type}};
  for (const auto& f : spec.fields) out[f.name] = read_field(member, f);
  if (!member.errors()->empty()) return std::nullopt;
  if (!spec.selected_id.empty()) {
    // selected_<kind>_requires_id: "selected" needs the id, "inferred" must not have it.
    bool selected = out.at("source") == "selected";
    bool has_id = !out.at(spec.selected_id).is_null();
    if (selected != has_id) {
      fields::value_error(member, std::string(spec.selected_id) + " is " + (has_id ? "not allowed" : "required"));
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace

std::optional<json::object> read_action(const JsonField& field) {
  std::vector<UnionMember> members;
  for (const auto& spec : action_specs()) {
    members.push_back({spec.tag, [&spec](const JsonField& member) { return read_one(member, spec); }});
  }
  return read_union(field, members);
}

std::optional<json::array> read_action_list(const JsonField& field) {
  const json::array* list = field.list();
  if (!list) return std::nullopt;
  json::array out;
  bool ok = true;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto action = read_action(field.item(i, (*list)[i]));
    if (action) out.push_back(std::move(*action));
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace praetor::core
