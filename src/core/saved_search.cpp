#include "core/saved_search.h"

#include "core/model_fields.h"

namespace praetor::core {

namespace {

// Each item is a SavedSearchFilter: object, property, type and operation strings and a
// value of any type, all required.
void check_filters(const JsonField& field) {
  const json::array& items = field.value()->get_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    JsonField item = field.item(i, items[i]);
    if (!item.model()) continue;
    for (std::string_view key : {"object", "property", "type", "operation"}) {
      JsonField part = item.child(key);
      if (!part.set()) {
        item.missing(key);
      } else {
        (void)part.string();
      }
    }
    if (!item.has_key("value")) item.missing("value");
  }
}

}  // namespace

const Model& saved_search_model() {
  static const Model kModel{
      .name = "SavedSearch",
      .table = "saved_search",
      .filter_key = "",
      .fields = {fields::id(0),
                 fields::created(),
                 fields::updated(),
                 {.name = "name", .type = FieldType::kString, .required = true},
                 {.name = "filters", .type = FieldType::kList, .default_json = "[]", .check = check_filters}},
      .sorts = {{"NAME_ASC", "saved_search.name ASC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

}  // namespace praetor::core
