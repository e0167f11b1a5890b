# Run at build time (cmake -P): writes OUT with the checkout's revision, only when it changed,
# so `stackvisor --version` names the commit it was built from without rebuilding every time.
execute_process(COMMAND git -C ${SOURCE_DIR} describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR revision STREQUAL "")
  set(revision "unknown")  # a source tarball
endif()
set(text "#pragma once\n#define STACKVISOR_GIT_REVISION \"${revision}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
