# praetor_add_library(NAME <module> SRCS ... [DEPS ...] [TESTS ...])
# One static library per source folder, exported as praetor::<module>. Unit tests named in
# TESTS are linked into one gtest binary per module (praetor_<module>_test) to keep link
# time low on 2 cores.
set(PRAETOR_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
set(PRAETOR_COMMON_HEADERS
    <algorithm> <chrono> <cstdint> <functional> <map> <memory> <mutex> <optional> <string>
    <string_view> <vector> <boost/json.hpp> <spdlog/spdlog.h>)

function(praetor_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;TESTS;TEST_DEPS" ${ARGN})
  set(target praetor_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS})
  add_library(praetor::${ARG_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${target} PRIVATE ${PRAETOR_WARNINGS})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS})
  if(PRAETOR_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} PRIVATE ${PRAETOR_COMMON_HEADERS})
  endif()
  if(ARG_TESTS)
    add_executable(${target}_test ${ARG_TESTS})
    target_compile_options(${target}_test PRIVATE ${PRAETOR_WARNINGS})
    target_link_libraries(${target}_test PRIVATE ${target} ${ARG_TEST_DEPS} GTest::gtest_main)
    if(PRAETOR_PRECOMPILED_HEADERS)
      target_precompile_headers(${target}_test PRIVATE ${PRAETOR_COMMON_HEADERS} <gtest/gtest.h>)
    endif()
    include(GoogleTest)
    gtest_discover_tests(${target}_test DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
