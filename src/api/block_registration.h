// Prefect's system block types (models/block_registration.py). At start-up Prefect installs
// Webhook, Secret and LocalFileSystem (protected) and the SDK's other Block classes, all
// derived from Python classes, and then the block types and schemas of its collections
// (prefect-aws, prefect-gcp, …) from server/collection_blocks_data.json. Praetor runs no
// Python: it registers the collections' types and schemas from that file of the installed
// prefect package (config/prefect_package.h), and says by name what it cannot register. The
// SDK registers a class's own type and schema whenever a block is saved or `prefect block
// register` runs (blocks/core.py register_type_and_schema), so clients work without them.
#pragma once

#include <string>

#include "api/context.h"
#include "api/http.h"
#include "core/result.h"
#include "core/timestamp.h"
#include "store/database.h"

namespace praetor::api {

// POST /api/block_types/install_system_block_types: logs the types derived from Python
// classes that were not installed, registers the collections' types when the package is
// known; answers 200 null as Prefect does.
core::Result<Response> install_system_block_types(ApiContext& ctx);

// Registers (or updates) the block types and schemas of <package_dir>/server/
// collection_blocks_data.json, each type and each schema in its own transaction, as Prefect's
// _register_collection_blocks does; logs what was registered and, by name, what failed. An
// empty `package_dir` logs that none were registered and why.
void register_collection_block_types(store::Database& db, const core::Clock& clock, const std::string& package_dir);

}  // namespace praetor::api
