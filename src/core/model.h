// The one description of an API object (DESIGN.md §4): each field's JSON name and type, its
// default, which requests may set it, where it is stored and how it is filtered. Everything
// else is derived from it: the create and update readers with pydantic's 422 entries
// (read_create, read_update below), the response encoder (to_response), the table's columns
// and binds (store/model_table.h), the filter family and sorts (api/model_filter.h) and the
// routes (api/resource_routes.h).
//
// An object travels as a json::object holding its fields' JSON values (timestamps as
// Prefect's strings, ids as lowercase UUID text): there is no struct to keep in step.
// Models are static data: declare one per resource as a `const Model`, never copy it.
#pragma once

#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/json_field.h"
#include "core/result.h"

namespace praetor::core {

enum class FieldType {
  kUuid,        // lowercase hyphenated UUID text
  kString,
  kInteger,
  kNumber,      // float
  kBoolean,
  kTimestamp,   // Prefect's timestamp text
  kStringList,  // list[str]
  kList,        // list[Any] (items checked, if at all, by the field's check)
  kDict,        // dict[str, Any]
  kAny,         // any JSON value, null included (e.g. a variable's value)
};

// kColumn: a column of the model's table named as the field; kDocument: a key of the
// table's one JSON `data` column (fields nobody filters or sorts on).
enum class Storage { kColumn, kDocument };

// The leaves a field's sub-filter accepts (Prefect's *Filter<Field> models), as bits.
namespace filter_leaf {
inline constexpr unsigned kAny = 1 << 0;        // any_: value in list
inline constexpr unsigned kNotAny = 1 << 1;     // not_any_: value not in list
inline constexpr unsigned kLike = 1 << 2;       // like_: case-insensitive substring (ILIKE '%x%')
inline constexpr unsigned kIsNull = 1 << 3;     // is_null_ (for a list: is empty)
inline constexpr unsigned kAll = 1 << 4;        // all_: a list field holds every value
inline constexpr unsigned kBeforeAfter = 1 << 5;  // before_/after_ on a timestamp, inclusive
inline constexpr unsigned kExists = 1 << 6;       // exists_: true → not null, false → null
inline constexpr unsigned kEq = 1 << 7;           // eq_: a boolean equals the value
inline constexpr unsigned kGeLe = 1 << 8;         // ge_/le_: an integer at least/at most the value, inclusive
}  // namespace filter_leaf

// Extra validation after the type read (name rules, sizes): records errors on `field`.
using FieldCheck = void (*)(const JsonField& field);
// A change pydantic's validator makes to an accepted value (e.g. truncating long strings).
using FieldTransform = void (*)(boost::json::value& value);

struct Field {
  std::string_view name;
  FieldType type;
  bool on_create = true;  // read from create bodies
  bool on_update = true;  // read from update bodies
  bool required = false;  // a create body must carry it (null is a value for kAny)
  // An update's explicit null is a value: it clears the field (an Optional[...] that PATCH
  // with exclude_unset writes, e.g. WorkQueueUpdate.concurrency_limit). Otherwise, and for
  // creates, null reads as absent.
  bool null_on_update = false;
  // The value when a create body omits it, as JSON text ("null" for Optional[...] = None).
  std::string_view default_json = "null";
  Storage storage = Storage::kColumn;
  unsigned filter = 0;           // filter_leaf bits; 0: not filterable
  bool filter_operator = false;  // its sub-filter has an "operator" (and_/or_) of its own
  std::string_view filter_name = {};  // its key in the filter family when not `name`
  // The sub-filter (JSON text) applied when the family omits the key or is absent itself,
  // as a pydantic default (BlockDocumentFilter.is_anonymous = {"eq_": false}); an explicit
  // null still turns it off.
  std::string_view filter_default = {};
  FieldCheck check = nullptr;
  bool check_on_update = true;  // false: only creates run `check` (the update action's type is plainer)
  FieldTransform transform = nullptr;
  bool in_response = true;  // false: read and stored, never answered (a log's worker_id)
};

// A sort option of the model's /filter route: Prefect's enum name and the SQL over its
// table ("name ASC").
struct Sort {
  std::string_view name;
  std::string_view order_by;
};

struct Model {
  std::string_view name;        // singular, for messages: "Variable"
  std::string_view table;       // SQL table
  std::string_view filter_key;  // the request-body key of its filter: "variables"
  std::vector<Field> fields;    // in response order; "id", "created", "updated" are set by the server
  std::vector<Sort> sorts;      // in the order of Prefect's sort enum (its 422 lists them so)
  std::string_view default_sort;  // the sort when a request names none
  // Prefect's action models (ActionBaseModel, extra="forbid"): a body key that is no field
  // the action reads is a 422 extra_forbidden. Off: unknown keys are ignored.
  bool forbid_extra = false;
  bool has_documents() const;
  const Field* field(std::string_view name) const;
};

// Reads a create body: every on_create field, defaults for those absent, errors for required
// ones missing, bad types and failed checks, all in one 422 (loc under "body").
Result<boost::json::object> read_create(const Model& model, const boost::json::value& body);
// Reads one create body found at `loc` inside a request (an item of a list body: {"body", 3});
// any non-object, null included, is pydantic's model_attributes_type.
Result<boost::json::object> read_create_at(const Model& model, const boost::json::value& body, boost::json::array loc);
// Reads an update body: only the on_update fields present (an explicit null counts as absent,
// except for kAny and null_on_update fields, where null is a value).
Result<boost::json::object> read_update(const Model& model, const boost::json::value& body);

// The response object: the model's in_response fields in order, from a stored object.
boost::json::object to_response(const Model& model, const boost::json::object& stored);

}  // namespace praetor::core
