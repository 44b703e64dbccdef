// Reading request bodies field by field, collecting pydantic-shaped validation errors
// ({"type","loc","msg","input"}) so a bad request is answered with Prefect's 422 body.
// Unknown fields are ignored on purpose: newer clients must keep working (DESIGN.md §1.2).
// An explicit JSON null counts as "absent" for optional fields, as pydantic does for
// Optional[...] = None.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/json_field.h"
#include "core/result.h"
#include "core/timestamp.h"

namespace praetor::core {

namespace json = boost::json;

// Parses a request body; on failure an Error of kind kInvalid whose detail is the
// pydantic "json_invalid" error list.
Result<json::value> parse_body(std::string_view body);

// The 422 Error FastAPI answers for a request that failed validation: `detail` is the
// list of pydantic-shaped entries.
Error invalid_request(json::array detail);

// A 422 Error with one pydantic-shaped entry.
Error validation_error(json::array loc, std::string_view type, std::string_view msg,
                       const json::value& input);

// Reads the fields of one request object by key; a thin layer over JsonField that adds
// the required-field check. `nested` readers share the parent's error list.
class FieldReader {
 public:
  // `loc` is the location prefix, e.g. {"body"}. A value that is not an object is itself
  // an error (pydantic's model_attributes_type).
  FieldReader(const json::value& value, json::array loc);

  bool is_object() const { return self_.object() != nullptr; }
  bool has(std::string_view key) const;  // present and not null
  bool present(std::string_view key) const { return self_.has_key(key); }

  std::optional<std::string> string(std::string_view key, bool required = false) { return get(key, required).string(); }
  std::optional<std::string> uuid(std::string_view key, bool required = false) { return get(key, required).uuid(); }
  std::optional<Timestamp> timestamp(std::string_view key, bool required = false) {
    return get(key, required).timestamp();
  }
  std::optional<int64_t> integer(std::string_view key, bool required = false) { return get(key, required).integer(); }
  std::optional<double> number(std::string_view key, bool required = false) { return get(key, required).number(); }
  std::optional<bool> boolean(std::string_view key, bool required = false) { return get(key, required).boolean(); }
  const json::object* object(std::string_view key, bool required = false) { return get(key, required).dict(); }
  const json::array* array(std::string_view key, bool required = false) { return get(key, required).list(); }
  std::optional<std::vector<std::string>> string_list(std::string_view key, bool required = false) {
    return get(key, required).string_list();
  }
  std::optional<std::vector<std::string>> uuid_list(std::string_view key, bool required = false) {
    return get(key, required).uuid_list();
  }
  // Any JSON value, returned as is (null included); nullptr when absent.
  const json::value* raw(std::string_view key) const;
  // The field itself, for reads FieldReader has no shorthand for (enums, item lists).
  JsonField field(std::string_view key) const { return self_.child(key); }

  // A reader for a nested model, sharing this reader's error list.
  FieldReader nested(std::string_view key);

  void add_error(std::string_view key, std::string_view type, std::string_view msg,
                 const json::value& input);
  bool ok() const { return self_.errors()->empty(); }
  // kInvalid error carrying all collected entries; call only when !ok().
  Error error() const;

 private:
  explicit FieldReader(JsonField self) : self_(std::move(self)) {}
  // The field `key`; records "missing" when required and unset.
  JsonField get(std::string_view key, bool required);

  JsonField self_;
};

// Serialises `v` compactly, writing doubles as Python's json module does ("0.0", "2.5",
// "1e-05", "1.5e+16") rather than Boost's "0E0", so responses read like Prefect's.
// Non-finite doubles become null.
std::string to_json_text(const json::value& v);
void append_json_text(std::string& out, const json::value& v);

// Timestamp or null.
json::value timestamp_or_null(const std::optional<Timestamp>& t);

// The string at `key` of `o`, or "" when absent or not a string (an event label, a field of
// a stored object read leniently).
std::string string_at(const json::object& o, std::string_view key);

}  // namespace praetor::core
