#include "core/json_field.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

struct Probe {
  json::value value;
  std::shared_ptr<json::array> errors = std::make_shared<json::array>();
  JsonField field() const { return JsonField(&value, json::array{"body", "x"}, errors); }
  std::string only_error_type() const {
    EXPECT_EQ(errors->size(), 1u);
    return errors->empty() ? "" : std::string(errors->at(0).as_object().at("type").as_string());
  }
};

Probe probe(std::string_view text) { return Probe{json::parse(text)}; }

// Verifies integers are read as pydantic's lax int: integral floats and numeric strings
// pass; fractions, junk and other types fail with pydantic's error types.
TEST(JsonField, LaxIntegers) {
  EXPECT_EQ(probe("7").field().integer(), 7);
  EXPECT_EQ(probe("7.0").field().integer(), 7);
  EXPECT_EQ(probe(R"(" -12 ")").field().integer(), -12);
  EXPECT_EQ(probe(R"("+3")").field().integer(), 3);
  for (auto [text, type] : {std::pair{"7.5", "int_from_float"}, {R"("3x")", "int_parsing"},
                            {R"("+-3")", "int_parsing"}, {R"("99999999999999999999")", "int_parsing"},
                            {"[1]", "int_type"}}) {
    Probe p = probe(text);
    EXPECT_FALSE(p.field().integer()) << text;
    EXPECT_EQ(p.only_error_type(), type) << text;
  }
}

// Verifies booleans accept pydantic's words and reject other strings and numbers.
TEST(JsonField, LaxBooleans) {
  EXPECT_EQ(probe(R"("Yes")").field().boolean(), true);
  EXPECT_EQ(probe(R"("off")").field().boolean(), false);
  EXPECT_EQ(probe("1").field().boolean(), true);
  Probe p = probe("5");
  EXPECT_FALSE(p.field().boolean());
  EXPECT_EQ(p.only_error_type(), "bool_parsing");
}

// Verifies UUIDs: a bad string is uuid_parsing, a non-string is uuid_type, as pydantic says.
TEST(JsonField, Uuids) {
  Probe bad = probe(R"("zz")");
  EXPECT_FALSE(bad.field().uuid());
  EXPECT_EQ(bad.only_error_type(), "uuid_parsing");
  Probe number = probe("5");
  EXPECT_FALSE(number.field().uuid());
  EXPECT_EQ(number.only_error_type(), "uuid_type");
}

// Verifies an unparseable datetime fails as Prefect's DateTime type does, with its ctx.
TEST(JsonField, DatetimeIsValueError) {
  Probe p = probe(R"("nope")");
  EXPECT_FALSE(p.field().timestamp());
  ASSERT_EQ(p.only_error_type(), "value_error");
  EXPECT_EQ(p.errors->at(0).as_object().at("msg"), "Value error, Unable to parse string [nope]");
  EXPECT_TRUE(probe(R"("2026-03-01T10:00:00+01:00")").field().timestamp());
}

// Verifies list items are checked one by one and each error carries the item's index.
TEST(JsonField, ListItemsCarryTheirIndex) {
  Probe p = probe(R"(["a", 1, null])");
  EXPECT_FALSE(p.field().string_list());
  ASSERT_EQ(p.errors->size(), 2u);
  EXPECT_EQ(p.errors->at(0).as_object().at("loc"), json::parse(R"(["body","x",1])"));
  EXPECT_EQ(p.errors->at(1).as_object().at("loc"), json::parse(R"(["body","x",2])"));
}

// Verifies an enum names the allowed values the way pydantic words them.
TEST(JsonField, EnumNamesAllowedValues) {
  Probe p = probe(R"("maybe")");
  EXPECT_FALSE(p.field().enum_value({"and_", "or_"}));
  ASSERT_EQ(p.only_error_type(), "enum");
  EXPECT_EQ(p.errors->at(0).as_object().at("msg"), "Input should be 'and_' or 'or_'");
}

// Verifies an absent field and an explicit null read as unset without an error.
TEST(JsonField, NullIsUnset) {
  Probe p = probe(R"({"a": null})");
  EXPECT_FALSE(p.field().child("a").set());
  EXPECT_FALSE(p.field().child("a").integer());
  EXPECT_FALSE(p.field().child("b").string());
  EXPECT_TRUE(p.errors->empty());
}

}  // namespace
}  // namespace praetor::core
