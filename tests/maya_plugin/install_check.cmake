# Install the build as a Maya module into PREFIX, check the layout and brm.mod, then load the
# INSTALLED plug-in in the stand-in host with BRM_AGENT empty: the plug-in must find the
# module's own bin/brm and run a job command through it.
# Inputs: BUILD_DIR, PREFIX, MAYA_HOST, SCRIPT, MAYA_VERSION, STATIC (ON/OFF).
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed:\n${out}\n${err}")
endif()
set(expect "brm.mod" "plug-ins/${MAYA_VERSION}/brm.so" "bin/brm" "scripts/brm_render_custom.py"
           "scripts/brm_render_basic.py" "scripts/brm_batch_render.py" "scripts/brm_qt.py"
           "scripts/brm_window_data.py" "scripts/brm_menu.py" "scripts/userSetup.py")
if(NOT STATIC)
  list(APPEND expect "lib/libbrm.so.0" "lib/libbrm.so")
endif()
foreach(f IN LISTS expect)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "module layout: ${f} missing under ${PREFIX}")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${PREFIX}/icons")
  message(FATAL_ERROR "module layout: icons/ missing")
endif()
if(STATIC AND EXISTS "${PREFIX}/lib/libbrm.so.0")
  message(FATAL_ERROR "static build must not ship lib/libbrm.so.0")
endif()
file(READ "${PREFIX}/brm.mod" mod)
message(STATUS "brm.mod:\n${mod}")
if(NOT mod MATCHES "^\\+ MAYAVERSION:${MAYA_VERSION} PLATFORM:linux brm [0-9]+\\.[0-9]+\\.[0-9]+ \\.\nplug-ins: plug-ins/${MAYA_VERSION}\n")
  message(FATAL_ERROR "brm.mod does not start with the expected module line for Maya ${MAYA_VERSION}")
endif()
# A second Maya version installed into the same module adds its own entry.
file(MAKE_DIRECTORY "${PREFIX}/plug-ins/2026")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" RESULT_VARIABLE rc OUTPUT_QUIET)
file(READ "${PREFIX}/brm.mod" mod2)
if(NOT mod2 MATCHES "MAYAVERSION:${MAYA_VERSION} .*MAYAVERSION:2026 PLATFORM:linux brm ")
  message(FATAL_ERROR "brm.mod did not list both installed Maya versions:\n${mod2}")
endif()
file(REMOVE_RECURSE "${PREFIX}/plug-ins/2026")

set(ENV{BRM_AGENT} "")
execute_process(COMMAND "${MAYA_HOST}" "${PREFIX}/plug-ins/${MAYA_VERSION}/brm.so" --script "${SCRIPT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
set(ENV{BRM_HOME} "$ENV{BRM_HOME}")
execute_process(COMMAND "${PREFIX}/bin/brm" agent stop OUTPUT_QUIET ERROR_QUIET TIMEOUT 30)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed plug-in failed in the host (exit ${rc})")
endif()
