// Where the data files of Prefect's server come from: the directory of an installed `prefect`
// Python package (…/site-packages/prefect). Praetor only reads it: the UI bundles
// (server/ui, server/ui-v2), the block types Prefect registers
// (server/collection_blocks_data.json) and the worker-type views
// (server/api/collections_data/views/). Praetor ships none of these itself; the README's start
// command extracts them from the pinned wheel.
#pragma once

#include <optional>
#include <string>

#include "config/environment.h"
#include "core/result.h"

namespace praetor::config {

// How an interpreter is asked where a package lives, without importing it (importing prefect
// takes seconds). Returns the interpreter's answer, or nullopt if it could not be run.
using LocatePackage = std::function<std::optional<std::string>(const std::string& python)>;
std::optional<std::string> locate_with_interpreter(const std::string& python);

// PRAETOR_PREFECT_PACKAGE_DIR names the directory (an error when it does not hold a prefect
// package); otherwise the first of $VIRTUAL_ENV/bin/python and python3 on PATH whose
// environment has prefect installed answers; nullopt when none does.
core::Result<std::optional<std::string>> find_prefect_package(const Getenv& getenv = process_getenv,
                                                              const LocatePackage& locate = locate_with_interpreter);

// Whether `dir` looks like the prefect package: __init__.py and server/ inside.
bool is_prefect_package(const std::string& dir);

}  // namespace praetor::config
