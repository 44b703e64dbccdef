// The kit models (core/model.h) whose bodies the fuzz harnesses decode.
#pragma once

#include <vector>

#include "core/artifact.h"
#include "core/automation.h"
#include "core/block.h"
#include "core/flow.h"
#include "core/flow_run_input.h"
#include "core/log.h"
#include "core/model.h"
#include "core/saved_search.h"
#include "core/variable.h"
#include "core/work_pool.h"
#include "core/work_queue.h"

namespace praetor::api::fuzz {

inline const std::vector<const core::Model*>& kit_models() {
  static const std::vector<const core::Model*> models = {
      &core::variable_model(),         &core::artifact_model(),        &core::artifact_collection_model(),
      &core::flow_run_input_model(),   &core::saved_search_model(),    &core::block_type_model(),
      &core::block_schema_model(),     &core::block_document_model(),  &core::block_document_create_model(),
      &core::block_document_update_model(), &core::automation_model(),           &core::log_model(),
      &core::work_queue_model(),       &core::work_pool_model(),       &core::flow_model(),
  };
  return models;
}

}  // namespace praetor::api::fuzz
