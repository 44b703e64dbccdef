# praetor_add_fuzzer(NAME <name> SRC <harness.cpp> DEPS <libs...> CORPUS <dir>)
# A libFuzzer harness (a file defining LLVMFuzzerTestOneInput) and its committed seed corpus.
# Normal builds (gcc) link it with tests/fuzz/replay_main.cpp into praetor_fuzz_<name>_replay
# and register a ctest that feeds every corpus file through it (seconds; under the ASan/UBSan
# preset it runs sanitized). With PRAETOR_FUZZ=ON (clang; bench/fuzzing.md) it links with
# -fsanitize=fuzzer into praetor_fuzz_<name> for long runs instead.
option(PRAETOR_FUZZ "Build the libFuzzer harnesses for clang's -fsanitize=fuzzer (long runs)" OFF)
if(PRAETOR_FUZZ)
  # Every library the harnesses link is instrumented for coverage and checked by ASan/UBSan.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(praetor_add_fuzzer)
  cmake_parse_arguments(ARG "" "NAME;SRC;CORPUS" "DEPS" ${ARGN})
  if(PRAETOR_FUZZ)
    set(target praetor_fuzz_${ARG_NAME})
    add_executable(${target} ${ARG_SRC})
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  else()
    set(target praetor_fuzz_${ARG_NAME}_replay)
    add_executable(${target} ${ARG_SRC} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME fuzz_replay.${ARG_NAME} COMMAND ${target} ${ARG_CORPUS})
  endif()
  target_compile_options(${target} PRIVATE ${PRAETOR_WARNINGS})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS})
endfunction()
