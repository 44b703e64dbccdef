#include "core/json_schema.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

namespace json = boost::json;

// The schema pydantic writes for `class Person(RunInput): name: str; age: int = 0;
// pet: Optional[Pet]` with a nested model.
const json::value kPerson = json::parse(R"({
  "title": "Person", "type": "object",
  "properties": {
    "name": {"title": "Name", "type": "string"},
    "age": {"title": "Age", "type": "integer", "default": 0, "minimum": 0},
    "tags": {"type": "array", "items": {"type": "string"}},
    "pet": {"anyOf": [{"$ref": "#/$defs/Pet"}, {"type": "null"}]}
  },
  "required": ["name"],
  "$defs": {"Pet": {"type": "object", "properties": {"kind": {"enum": ["cat", "dog"]}}, "required": ["kind"]}}
})");

// Verifies conforming values pass, nested references included.
TEST(JsonSchema, AcceptsConformingValues) {
  EXPECT_EQ(json_schema_violation(json::parse(R"({"name": "Ann"})"), kPerson), std::nullopt);
  EXPECT_EQ(json_schema_violation(json::parse(R"({"name": "Ann", "age": 3.0, "tags": ["a"], "pet": {"kind": "cat"}})"),
                                  kPerson),
            std::nullopt);
  EXPECT_EQ(json_schema_violation(json::parse(R"({"name": "Ann", "pet": null})"), kPerson), std::nullopt);
}

// Verifies each kind of violation is found and worded as jsonschema words it.
TEST(JsonSchema, ReportsViolations) {
  auto violation = [](const char* instance) { return json_schema_violation(json::parse(instance), kPerson); };
  using V = SchemaViolation;
  EXPECT_EQ(violation(R"({})"), (V{"$", "'name' is a required property"}));
  EXPECT_EQ(violation(R"({"name": 1})"), (V{"$.name", "1 is not of type 'string'"}));
  EXPECT_EQ(violation(R"({"name": "a", "age": -1})"), (V{"$.age", "-1 is less than the minimum of 0"}));
  EXPECT_EQ(violation(R"({"name": "a", "age": 1.5})"), (V{"$.age", "1.5 is not of type 'integer'"}));
  EXPECT_EQ(violation(R"({"name": "a", "tags": ["x", 1]})"), (V{"$.tags[1]", "1 is not of type 'string'"}));
  EXPECT_EQ(violation(R"({"name": "a", "pet": {"kind": "fish"}})"),
            (V{"$.pet", "{'kind': 'fish'} is not valid under any of the given schemas"}));
  EXPECT_EQ(violation(R"("x")"), (V{"$", "'x' is not of type 'object'"}));
}

// Verifies additionalProperties: false and a circular $ref end in an error, not a crash.
TEST(JsonSchema, ClosedObjectsAndCircularReferences) {
  auto closed = json::parse(R"({"type": "object", "properties": {"a": {}}, "additionalProperties": false})");
  EXPECT_EQ(json_schema_violation(json::parse(R"({"a": 1, "b": 2})"), closed),
            (SchemaViolation{"$", "Additional properties are not allowed ('b' was unexpected)"}));
  auto loop = json::parse(R"({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}})");
  EXPECT_TRUE(json_schema_violation(json::value(1), loop).has_value());
}

}  // namespace
}  // namespace praetor::core
