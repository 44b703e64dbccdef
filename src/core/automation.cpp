#include "core/automation.h"

#include <memory>

#include "core/automation_action.h"
#include "core/automation_trigger.h"
#include "core/json_util.h"
#include "core/model_fields.h"

namespace praetor::core {

namespace {

void check_trigger(const JsonField& field) { (void)read_trigger(field); }
void check_actions(const JsonField& field) { (void)read_action_list(field); }

// The read value: defaults filled, every trigger a new id (Prefect's reset_ids).
void normalise_trigger(json::value& value) {
  JsonField field(&value, {}, std::make_shared<json::array>());
  if (auto trigger = read_trigger(field)) value = std::move(*trigger);
}
void normalise_actions(json::value& value) {
  JsonField field(&value, {}, std::make_shared<json::array>());
  if (auto actions = read_action_list(field)) value = std::move(*actions);
}

Field action_list(std::string_view name, bool required) {
  return {.name = name,
          .type = FieldType::kAny,
          .required = required,
          .default_json = "[]",
          .check = check_actions,
          .transform = normalise_actions};
}

}  // namespace

const Model& automation_model() {
  namespace leaf = filter_leaf;
  // Field order is the order of Prefect's response: AutomationCore's fields, then the ORM's.
  static const Model kModel{
      .name = "Automation",
      .table = "automation",
      .filter_key = "automations",
      .fields = {{.name = "name", .type = FieldType::kString, .required = true, .filter = leaf::kAny},
                 {.name = "description", .type = FieldType::kString, .default_json = "\"\""},
                 {.name = "enabled", .type = FieldType::kBoolean, .default_json = "true"},
                 {.name = "tags",
                  .type = FieldType::kStringList,
                  .default_json = "[]",
                  .filter = leaf::kAll | leaf::kAny | leaf::kIsNull,
                  .filter_operator = true},
                 // kAny: the trigger's and actions' own readers report non-objects as the
                 // union does (model_attributes_type per member).
                 {.name = "trigger",
                  .type = FieldType::kAny,
                  .required = true,
                  .check = check_trigger,
                  .transform = normalise_trigger},
                 action_list("actions", true),
                 action_list("actions_on_trigger", false),
                 action_list("actions_on_resolve", false),
                 fields::id(),
                 {.name = "created",
                  .type = FieldType::kTimestamp,
                  .on_create = false,
                  .on_update = false,
                  .filter = leaf::kBeforeAfter},
                 fields::updated()},
      .sorts = {{"CREATED_DESC", "automation.created DESC"},
                {"UPDATED_DESC", "automation.updated DESC"},
                {"NAME_ASC", "automation.name ASC"},
                {"NAME_DESC", "automation.name DESC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

std::optional<std::string> run_deployment_loop(const json::object& automation) {
  if (automation.at("enabled") != true) return std::nullopt;
  const json::object& trigger = automation.at("trigger").get_object();
  if (trigger.at("type") != "event" || trigger.at("posture") != "Reactive") return std::nullopt;
  bool flow_run_events = false, problematic = false;
  for (const auto& e : trigger.at("expect").get_array()) {
    std::string_view event = e.get_string();
    if (event.rfind("prefect.flow-run.", 0) == 0) flow_run_events = true;
    if (event == "prefect.flow-run.Scheduled" || event == "prefect.flow-run.Pending" ||
        event == "prefect.flow-run.Running" || event == "prefect.flow-run.*") {
      problematic = true;
    }
  }
  if (!flow_run_events || !problematic) return std::nullopt;
  for (const auto& a : automation.at("actions").get_array()) {
    const json::object& action = a.get_object();
    if (action.at("type") != "run-deployment") continue;
    if (action.at("source") == "inferred") {
      return "Running an inferred deployment from a flow run state change event will lead to an infinite loop of "
             "flow runs.  Please choose a specific deployment and add additional filtering labels to the match or "
             "match_related for this automation's trigger.";
    }
    if (!matches_every_resource_of_kind(trigger.at("match"), "prefect.flow-run")) continue;
    const json::value& related = trigger.at("match_related");
    bool any_broad = false;
    if (related.is_array()) {
      for (const auto& r : related.get_array()) any_broad = any_broad || matches_every_resource_of_kind(r, "prefect.flow-run");
    } else {
      any_broad = matches_every_resource_of_kind(related, "prefect.flow-run");
    }
    if (any_broad) {
      return "Running a selected deployment from a flow run state change event may lead to an infinite loop of flow "
             "runs.  Please include additional filtering labels on either match or match_related to narrow down "
             "which flow runs will trigger this automation to exclude flow runs from the deployment you've selected.";
    }
  }
  return std::nullopt;
}

Result<AutomationBody> read_automation_body(const json::value& body) {
  auto automation = read_create(automation_model(), body);
  std::optional<std::string> owner;
  auto errors = std::make_shared<json::array>();
  if (body.is_object()) {
    JsonField root(&body, json::array{"body"}, errors);
    owner = root.child("owner_resource").string();
  }
  if (!automation) {
    json::array detail = automation.error().detail.is_array() ? automation.error().detail.get_array() : json::array{};
    for (auto& e : *errors) detail.push_back(std::move(e));
    return invalid_request(std::move(detail));
  }
  if (!errors->empty()) return invalid_request(std::move(*errors));
  if (auto loop = run_deployment_loop(*automation)) {
    json::array loc{"body"};
    JsonField root(&body, loc, errors);
    fields::value_error(root, *loop);
    return invalid_request(std::move(*errors));
  }
  return AutomationBody{std::move(*automation), std::move(owner)};
}

}  // namespace praetor::core
