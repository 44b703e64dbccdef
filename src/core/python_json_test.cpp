#include "core/python_json.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

// Verifies the text matches Python's json.dumps(..., sort_keys=True) byte for byte
// (expected strings produced by CPython 3.11).
TEST(PythonJson, MatchesPythonDumps) {
  auto v = boost::json::parse(R"({"b": [1, 2.5, 1e-05, 1e16, 3.0, 0.1], "a": {"z": null, "é": "ü\n😀"}, "c": true})");
  EXPECT_EQ(python_json_dumps(v, true),
            R"({"a": {"z": null, "\u00e9": "\u00fc\n\ud83d\ude00"}, "b": [1, 2.5, 1e-05, 1e+16, 3.0, 0.1], "c": true})");
  EXPECT_EQ(python_json_dumps(v, false).substr(0, 6), R"({"b": )");
}

TEST(PythonJson, FloatsAsRepr) {
  EXPECT_EQ(python_json_dumps(boost::json::value(123456789.125), false), "123456789.125");
  EXPECT_EQ(python_json_dumps(boost::json::value(0.0001), false), "0.0001");
  EXPECT_EQ(python_json_dumps(boost::json::value(-2.5e-7), false), "-2.5e-07");
  EXPECT_EQ(python_json_dumps(boost::json::value(1234567890123456.0), false), "1234567890123456.0");
}

}  // namespace
}  // namespace praetor::core
