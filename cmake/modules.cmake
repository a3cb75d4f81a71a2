# relish_module(NAME SOURCES ... DEPS ... [TESTS ...] [TEST_DEPS ...] [POSTGRES])
# One static library per module (relish_NAME), with its dependencies explicit, and one unit-test
# binary (NAME_test) labelled "unit" so the sanitizer build can run exactly the unit tests.
function(relish_module name)
  cmake_parse_arguments(M "POSTGRES" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(relish_${name} STATIC ${M_SOURCES})
  target_include_directories(relish_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(relish_${name} PUBLIC ${M_DEPS})
  if(M_TESTS)
    add_executable(${name}_test ${M_TESTS})
    target_link_libraries(${name}_test PRIVATE relish_${name} ${M_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    set_target_properties(${name}_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name}_test COMMAND ${name}_test WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(${name}_test PROPERTIES LABELS unit)
    relish_unit_test(${name}_test)
    # POSTGRES: the same binary again on a throwaway PostgreSQL cluster (store/testing.h).
    if(M_POSTGRES)
      add_test(NAME ${name}_test_postgres
               COMMAND ${PROJECT_SOURCE_DIR}/tests/testing/with_postgres.sh $<TARGET_FILE:${name}_test>
               WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
      set_tests_properties(${name}_test_postgres PROPERTIES LABELS postgres)
    endif()
  endif()
endfunction()

# Adds a test target to `unit_tests`, which builds exactly what `ctest -L unit` runs (the
# sanitizer build builds only that).
function(relish_unit_test target)
  set_property(GLOBAL APPEND PROPERTY RELISH_UNIT_TESTS ${target})
endfunction()
