// One JSON value at a request location, read as a pydantic field type. A failed read
// appends a pydantic-shaped entry ({"type","loc","msg","input"[,"ctx"]}) to an error list
// shared by every field of the same request, so one 422 reports all of them, as FastAPI
// does. The readers are lax where pydantic is lax (integers from integral floats and
// numeric strings, booleans from "yes"/"off"/…) and name the error types pydantic names;
// datetimes fail as Prefect's DateTime type does ("value_error").
//
// An absent field and an explicit null both read as "not set": optional fields are
// `Optional[...] = None` in Prefect's schemas. Required fields are checked by the caller
// (`missing`), because pydantic reports them at the enclosing object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"

namespace praetor::core {

namespace json = boost::json;

class JsonField {
 public:
  JsonField(const json::value* value, json::array loc, std::shared_ptr<json::array> errors);

  // Present and not null.
  bool set() const { return value_ && !value_->is_null(); }
  const json::value* value() const { return value_; }
  const json::object* object() const { return set() ? value_->if_object() : nullptr; }
  const json::array& loc() const { return loc_; }
  const std::shared_ptr<json::array>& errors() const { return errors_; }

  // The field `key` of this object (unset when this is not an object or lacks it).
  JsonField child(std::string_view key) const;
  // Item `index` of this list, whose value is `v`.
  JsonField item(std::size_t index, const json::value& v) const;
  // True if the key is present in this object, even as null.
  bool has_key(std::string_view key) const;

  // Records an error at this field's location.
  void error(std::string_view type, std::string_view msg, json::object ctx = {}) const;
  // Records that required field `key` of this object is absent or null.
  void missing(std::string_view key) const;

  // A sub-model: unset → false; not an object → error, false.
  bool model() const;

  // Each reader returns nullopt both when unset and after recording a type error.
  std::optional<std::string> string() const;
  std::optional<std::string> uuid() const;
  std::optional<int64_t> integer() const;
  std::optional<double> number() const;
  std::optional<bool> boolean() const;
  std::optional<Timestamp> timestamp() const;
  // A JSON object (pydantic's dict), a JSON list.
  const json::object* dict() const;
  const json::array* list() const;
  std::optional<std::vector<std::string>> string_list() const;
  std::optional<std::vector<std::string>> uuid_list() const;
  // One of `allowed` (a Python enum of strings); a list of them.
  std::optional<std::string> enum_value(const std::vector<std::string_view>& allowed) const;
  std::optional<std::vector<std::string>> enum_list(const std::vector<std::string_view>& allowed) const;
  // A Prefect filter's "operator" key ("and_" | "or_", default and_): true for or_.
  bool or_operator() const;

 private:
  template <class ItemReader>
  std::optional<std::vector<std::string>> list_of(ItemReader read_item) const;

  const json::value* value_;
  json::array loc_;
  std::shared_ptr<json::array> errors_;
};

}  // namespace praetor::core
