// Pieces of Prometheus's text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): how a sample line, a
// label value, a HELP text and a number are written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace praetor::metrics {

// The Content-Type of a scrape answer in this format.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value inside double quotes: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);
// A HELP text: backslash and newline escaped (quotes are literal there).
std::string escape_help(std::string_view help);
// A sample value as Go's ParseFloat reads it: integers without a fraction, "+Inf", "-Inf", "NaN".
std::string format_value(double value);

// Appends `name{n1="v1",…} value\n`; `names` and `values` pair up (the braces are left out
// when there are none).
void append_sample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, double value);
// Appends the "# HELP" and "# TYPE" lines of a family.
void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type);

}  // namespace praetor::metrics
