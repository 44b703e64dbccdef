// The import's step for automations (import_steps.h): each Prefect automation is read as the
// AutomationCreate body it would have been (core::read_automation_body validates it and
// fills its defaults, as Praetor's POST /automations/ does), with the resource that owns it
// (a deployment's `triggers:`), and written through the automation repository, which keeps
// the deployments its actions select. The trigger engine's state (buckets, held events,
// followers, child firings) is not copied: it starts afresh from the events that arrive.
#include <map>

#include "core/automation.h"
#include "importer/import_steps.h"
#include "store/automation_repository.h"

namespace praetor::importer {

namespace json = boost::json;
using K = ColumnKind;

core::Result<TableOutcome> import_automations(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"created", K::kTimestamp}, {"updated", K::kTimestamp}, {"name"}, {"description"},
      {"enabled", K::kBool}, {"trigger", K::kJson}, {"actions", K::kJson}, {"actions_on_trigger", K::kJson},
      {"actions_on_resolve", K::kJson}, {"tags", K::kJson}};
  static const std::vector<SourceColumn> kOwners = {
      {"automation_id"}, {"resource_id"}, {"automation_owned_by_resource", K::kBool}};
  TableOutcome out;
  out.table = "automation";
  out.in_prefect = source.count("automation");
  std::map<std::string, std::string> owners;
  {
    auto cursor = source.select("automation_related_resource", kOwners, "");
    while (auto r = cursor->next()) {
      if (r->flag("automation_owned_by_resource")) owners[r->text_or_empty("automation_id")] = r->text_or_empty("resource_id");
    }
  }
  struct Item {
    json::object automation;
    std::optional<std::string> owner;
    core::Timestamp updated;
  };
  std::vector<Item> items;
  auto cursor = source.select("automation", kColumns, "created, id");
  while (auto r = cursor->next()) {
    const std::string id = r->text_or_empty("id"), name = r->text_or_empty("name");
    json::object body{{"name", name},
                      {"description", r->text_or_empty("description")},
                      {"enabled", r->flag("enabled")},
                      {"trigger", r->json("trigger")},
                      {"actions", r->json("actions")},
                      {"actions_on_trigger", r->json("actions_on_trigger")},
                      {"actions_on_resolve", r->json("actions_on_resolve")},
                      {"tags", r->json("tags")}};
    auto owner = owners.find(id);
    if (owner != owners.end()) body["owner_resource"] = owner->second;
    auto read = core::read_automation_body(body);
    if (!read) {
      out.not_copied.push_back("automation " + name + " (" + id + "): Praetor does not accept it: " +
                               read.error().message);
      continue;
    }
    read->automation["id"] = id;
    read->automation["created"] = core::format_timestamp(r->time_or_epoch("created"));
    read->automation["updated"] = core::format_timestamp(r->time_or_epoch("updated"));
    items.push_back({std::move(read->automation), read->owner_resource, r->time_or_epoch("updated")});
  }
  auto st = write_in_batches<Item>(db, items, 200, out, [](store::Connection& c, const Item& item) {
    const std::string id(item.automation.at("id").as_string());
    if (store::automations::find(c, id)) return RowOutcome::already_there();
    store::automations::insert(c, item.automation, item.owner, item.updated);
    return RowOutcome::copied();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace praetor::importer
