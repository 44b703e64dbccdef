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

#include "core/result.h"
#include "core/timestamp.h"

namespace praetor::core {

namespace json = boost::json;

// Parses a request body; on failure an Error of kind kInvalid whose detail is the
// pydantic "json_invalid" error list.
Result<json::value> parse_body(std::string_view body);

// A 422 Error with one pydantic-shaped entry.
Error validation_error(json::array loc, std::string_view type, std::string_view msg,
                       const json::value& input);

class FieldReader {
 public:
  // `loc` is the location prefix, e.g. {"body"}.
  FieldReader(const json::value& value, json::array loc);

  bool is_object() const { return obj_ != nullptr; }
  bool has(std::string_view key) const;  // present and not null
  bool present(std::string_view key) const;  // present, possibly null

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<std::string> uuid(std::string_view key, bool required = false);
  std::optional<Timestamp> timestamp(std::string_view key, bool required = false);
  std::optional<int64_t> integer(std::string_view key, bool required = false);
  std::optional<double> number(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  const json::object* object(std::string_view key, bool required = false);
  const json::array* array(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> string_list(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> uuid_list(std::string_view key, bool required = false);
  // Any JSON value, returned as is.
  const json::value* raw(std::string_view key) const;

  // A reader for a nested object, sharing this reader's error list.
  FieldReader nested(std::string_view key);

  void add_error(std::string_view key, std::string_view type, std::string_view msg,
                 const json::value& input);
  bool ok() const { return errors_->empty(); }
  // kInvalid error carrying all collected entries; call only when !ok().
  Error error() const;

 private:
  FieldReader(const json::value* value, json::array loc, std::shared_ptr<json::array> errors);
  const json::value* get(std::string_view key, bool required);
  json::array loc_of(std::string_view key) const;

  const json::value* value_;
  const json::object* obj_;
  json::array loc_;
  std::shared_ptr<json::array> errors_;
};

// Serialises `v` compactly, writing doubles as Python's json module does ("0.0", "2.5",
// "1e-05", "1.5e+16") rather than Boost's "0E0", so responses read like Prefect's.
// Non-finite doubles become null.
std::string to_json_text(const json::value& v);
void append_json_text(std::string& out, const json::value& v);

// Timestamp or null.
json::value timestamp_or_null(const std::optional<Timestamp>& t);

}  // namespace praetor::core
