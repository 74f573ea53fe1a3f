# One case of the FindMaya C++ ABI test: make a fake Maya root (MTypes.h of YEAR, and a
# libFoundation.so/libOpenMaya.so really compiled by g++ with LIB_ABI = 0 or 1, or NONE for a
# library without any std::string), configure the probe project on it (with OVERRIDE as
# MAYA_CXX11_ABI unless empty) and check that the chosen ABI is EXPECT and reaches the target.
# cmake -DYEAR=2023 -DLIB_ABI=0 -DEXPECT=0 [-DOVERRIDE=ON] -DWORK=dir -DCXX=g++ -P run_case.cmake
set(root "${WORK}/maya${YEAR}-${LIB_ABI}-${OVERRIDE}")
file(REMOVE_RECURSE "${root}")
file(MAKE_DIRECTORY "${root}/include/maya" "${root}/lib")
file(WRITE "${root}/include/maya/MTypes.h" "#define MAYA_API_VERSION ${YEAR}0000\n")
if(LIB_ABI STREQUAL "NONE")
  file(WRITE "${root}/lib.cpp" "extern \"C\" int brm_probe(int x) { return x + 1; }\n")
  set(abi_flag)
else()
  file(WRITE "${root}/lib.cpp" "#include <string>\nstd::string brm_probe(const std::string& s) { return s + \"!\"; }\n")
  set(abi_flag "-D_GLIBCXX_USE_CXX11_ABI=${LIB_ABI}")
endif()
foreach(lib Foundation OpenMaya)
  execute_process(COMMAND "${CXX}" -shared -fPIC ${abi_flag} -o "${root}/lib/lib${lib}.so" "${root}/lib.cpp"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling the fake lib${lib}.so failed: ${err}")
  endif()
endforeach()
set(extra)
if(NOT "${OVERRIDE}" STREQUAL "")
  set(extra "-DMAYA_CXX11_ABI=${OVERRIDE}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${CMAKE_CURRENT_LIST_DIR}/probe" -B "${root}/build"
          "-DMAYA_LOCATION=${root}" ${extra}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure failed:\n${out}\n${err}")
endif()
if(NOT out MATCHES "PROBE abi=${EXPECT} defs=[^\n]*_GLIBCXX_USE_CXX11_ABI=${EXPECT}")
  message(FATAL_ERROR "expected ABI ${EXPECT} for Maya ${YEAR} (library ABI ${LIB_ABI}, override '${OVERRIDE}'), got:\n${out}")
endif()
string(REGEX MATCH "C\\+\\+ ABI: [^\n]*" how "${out}")
message(STATUS "Maya ${YEAR}, library ABI ${LIB_ABI}, override '${OVERRIDE}': ${how}")
