#[=======================================================================[.rst:
FindMaya
--------

Finds the Autodesk Maya devkit (Maya 2022 and later) and defines imported targets for
building plug-ins. Usage::

  find_package(Maya 2024 REQUIRED)          # any version >= 2024 found first wins
  find_package(Maya 2025 EXACT REQUIRED)    # exactly 2025
  add_library(myPlugin MODULE plugin.cpp)
  target_link_libraries(myPlugin PRIVATE Maya::OpenMaya Maya::Foundation)
  maya_set_plugin_properties(myPlugin)      # .so / .mll / .bundle, no "lib" prefix

Search order for the Maya root (the directory holding ``include/maya/MTypes.h``):

1. ``MAYA_LOCATION`` (CMake variable, then environment variable), ``Maya_ROOT`` (variable,
   then environment variable): used alone when set, so a given root is never silently
   replaced by another install;
2. otherwise the default install roots per OS, newest version first (or only the requested
   version when ``find_package(Maya <version> EXACT)``):
   Linux ``/usr/autodesk/maya<ver>``, macOS ``/Applications/Autodesk/maya<ver>`` (devkit in
   ``include/``, libraries in ``Maya.app/Contents/MacOS``), Windows
   ``C:/Program Files/Autodesk/Maya<ver>``.

The version comes from ``MAYA_API_VERSION`` in ``include/maya/MTypes.h`` (``20240000`` →
``Maya_VERSION`` ``2024``); ``Maya_FIND_VERSION`` (and ``EXACT``) is respected, and roots
older than 2022 are rejected with a message naming what was found.

Result variables: ``Maya_FOUND``, ``Maya_VERSION``, ``MAYA_API_VERSION``, ``MAYA_LOCATION``,
``MAYA_INCLUDE_DIR``, ``MAYA_LIBRARY_DIR``, ``MAYA_PLUGIN_SUFFIX``, and on Linux
``MAYA_LINUX_CXX11_ABI`` (0 or 1) with ``MAYA_CXX11_ABI_SOURCE`` (how it was decided).

C++ ABI (Linux): the imported targets carry ``_GLIBCXX_USE_CXX11_ABI=0`` or ``=1`` as the
devkit's own libraries use it (old ABI for Maya 2022-2023, new for 2024+; read from their
std::string symbols, the version only when they show none). Override with the cache variable
``MAYA_CXX11_ABI`` = ``ON`` / ``OFF`` (default ``AUTO``).

Imported targets (``INTERFACE_INCLUDE_DIRECTORIES``, the platform definitions ``LINUX`` /
``NT_PLUGIN`` / ``OSMac_`` plus ``_BOOL`` and ``REQUIRE_IOSTREAM``, C++17):
``Maya::Foundation``, ``Maya::OpenMaya``, ``Maya::OpenMayaRender``, ``Maya::OpenMayaUI``,
``Maya::OpenMayaAnim`` (when present).

The same module finds the stand-in Maya of the brm tests (``tests/maya_standin``, installed
as a fake Maya root): point ``MAYA_LOCATION`` at it.
#]=======================================================================]

cmake_policy(PUSH)
cmake_policy(SET CMP0057 NEW)  # if(IN_LIST)

set(_maya_min_version 2022)
set(_maya_known_versions 2027 2026 2025 2024 2023 2022)

# Candidate roots --------------------------------------------------------------------------
set(_maya_roots)
foreach(_v IN ITEMS MAYA_LOCATION Maya_ROOT)
  if(DEFINED ${_v} AND NOT "${${_v}}" STREQUAL "")
    list(APPEND _maya_roots "${${_v}}")
  elseif(DEFINED ENV{${_v}} AND NOT "$ENV{${_v}}" STREQUAL "")
    file(TO_CMAKE_PATH "$ENV{${_v}}" _p)
    list(APPEND _maya_roots "${_p}")
  endif()
endforeach()

if(NOT _maya_roots)
  if(Maya_FIND_VERSION AND Maya_FIND_VERSION_EXACT)
    set(_maya_versions ${Maya_FIND_VERSION_MAJOR})
  else()
    set(_maya_versions ${_maya_known_versions})
  endif()
  foreach(_ver IN LISTS _maya_versions)
    if(WIN32)
      list(APPEND _maya_roots "C:/Program Files/Autodesk/Maya${_ver}")
    elseif(APPLE)
      list(APPEND _maya_roots "/Applications/Autodesk/maya${_ver}")
    else()
      list(APPEND _maya_roots "/usr/autodesk/maya${_ver}" "/usr/autodesk/maya${_ver}-x64")
    endif()
  endforeach()
endif()

# Pick the first root with a devkit whose version satisfies the request --------------------
function(_maya_read_api_version mtypes out_api out_year)
  file(STRINGS "${mtypes}" _line REGEX "^[ \t]*#[ \t]*define[ \t]+MAYA_API_VERSION[ \t]+[0-9]+")
  string(REGEX REPLACE ".*MAYA_API_VERSION[ \t]+([0-9]+).*" "\\1" _api "${_line}")
  if(_api STREQUAL "")
    set(${out_api} "" PARENT_SCOPE)
    set(${out_year} "" PARENT_SCOPE)
    return()
  endif()
  # 20240000 (2019+) or 201602 (older): the year is the first four digits.
  string(SUBSTRING "${_api}" 0 4 _year)
  set(${out_api} "${_api}" PARENT_SCOPE)
  set(${out_year} "${_year}" PARENT_SCOPE)
endfunction()

set(_maya_rejected)
set(_maya_chosen_root)
foreach(_root IN LISTS _maya_roots)
  foreach(_inc IN ITEMS "${_root}/include" "${_root}/devkit/include" "${_root}/../../devkit/include")
    if(EXISTS "${_inc}/maya/MTypes.h")
      _maya_read_api_version("${_inc}/maya/MTypes.h" _api _year)
      if(_year STREQUAL "")
        list(APPEND _maya_rejected "${_root} (no MAYA_API_VERSION in MTypes.h)")
      elseif(_year VERSION_LESS _maya_min_version)
        list(APPEND _maya_rejected "${_root} (Maya ${_year}; brm needs ${_maya_min_version} or later)")
      elseif(Maya_FIND_VERSION AND Maya_FIND_VERSION_EXACT AND NOT _year VERSION_EQUAL Maya_FIND_VERSION_MAJOR)
        list(APPEND _maya_rejected "${_root} (Maya ${_year}; ${Maya_FIND_VERSION_MAJOR} requested exactly)")
      elseif(Maya_FIND_VERSION AND _year VERSION_LESS Maya_FIND_VERSION_MAJOR)
        list(APPEND _maya_rejected "${_root} (Maya ${_year}; ${Maya_FIND_VERSION_MAJOR} or later requested)")
      else()
        set(_maya_chosen_root "${_root}")
        set(_maya_chosen_inc "${_inc}")
        set(_maya_chosen_api "${_api}")
        set(_maya_chosen_year "${_year}")
      endif()
      break()
    endif()
  endforeach()
  if(_maya_chosen_root)
    break()
  endif()
endforeach()

if(_maya_chosen_root)
  get_filename_component(MAYA_LOCATION "${_maya_chosen_root}" ABSOLUTE)
  get_filename_component(MAYA_INCLUDE_DIR "${_maya_chosen_inc}" ABSOLUTE)
  set(MAYA_API_VERSION "${_maya_chosen_api}")
  set(Maya_VERSION "${_maya_chosen_year}")
  if(APPLE)
    set(_maya_lib_hints "${MAYA_LOCATION}/Maya.app/Contents/MacOS" "${MAYA_LOCATION}/MacOS" "${MAYA_LOCATION}/lib")
  else()
    set(_maya_lib_hints "${MAYA_LOCATION}/lib")
  endif()
  # NO_CACHE would need CMake 3.21; unset the cache entries so a changed root is honoured.
  foreach(_lib IN ITEMS Foundation OpenMaya OpenMayaRender OpenMayaUI OpenMayaAnim)
    unset(MAYA_${_lib}_LIBRARY CACHE)
    find_library(MAYA_${_lib}_LIBRARY NAMES ${_lib} PATHS ${_maya_lib_hints} NO_DEFAULT_PATH)
  endforeach()
  if(MAYA_OpenMaya_LIBRARY)
    get_filename_component(MAYA_LIBRARY_DIR "${MAYA_OpenMaya_LIBRARY}" DIRECTORY)
  endif()
endif()

# C++ ABI (Linux) ----------------------------------------------------------------------------
# A plug-in must use the libstdc++ ABI Maya itself was built with, or every std::string that
# crosses the API mangles differently and the plug-in fails to load (undefined symbol) or
# crashes. Maya 2022-2023 are built on CentOS 7-era toolchains (devtoolset: the old ABI,
# _GLIBCXX_USE_CXX11_ABI=0); Maya 2024 and later on RHEL 8 with the new one (=1). As maya-usd
# does, read it from the devkit's own libraries: new-ABI code references std::__cxx11 symbols
# (_ZNSt7__cxx11...), old-ABI code the old std::string ones (_ZNSs..., _ZNKSs...). Only when
# a library shows neither is the version the rule. MAYA_CXX11_ABI=ON/OFF overrides.
set(MAYA_CXX11_ABI "AUTO" CACHE STRING
  "libstdc++ ABI for Maya plug-ins on Linux: AUTO (read from the devkit's libraries), ON (_GLIBCXX_USE_CXX11_ABI=1) or OFF (=0)")
set_property(CACHE MAYA_CXX11_ABI PROPERTY STRINGS AUTO ON OFF)
set(MAYA_LINUX_CXX11_ABI "")
set(MAYA_CXX11_ABI_SOURCE "")
if(UNIX AND NOT APPLE AND _maya_chosen_root)
  if(MAYA_CXX11_ABI STREQUAL "ON" OR MAYA_CXX11_ABI STREQUAL "OFF")
    if(MAYA_CXX11_ABI)
      set(MAYA_LINUX_CXX11_ABI 1)
    else()
      set(MAYA_LINUX_CXX11_ABI 0)
    endif()
    set(MAYA_CXX11_ABI_SOURCE "MAYA_CXX11_ABI=${MAYA_CXX11_ABI}")
  elseif(MAYA_CXX11_ABI STREQUAL "AUTO")
    foreach(_lib IN ITEMS MAYA_Foundation_LIBRARY MAYA_OpenMaya_LIBRARY)
      if(MAYA_LINUX_CXX11_ABI STREQUAL "" AND ${_lib} AND EXISTS "${${_lib}}")
        file(STRINGS "${${_lib}}" _maya_new_abi REGEX "_ZNSt7__cxx11|_ZNKSt7__cxx11" LIMIT_COUNT 1)
        file(STRINGS "${${_lib}}" _maya_old_abi REGEX "_ZNSs|_ZNKSs" LIMIT_COUNT 1)
        get_filename_component(_maya_lib_name "${${_lib}}" NAME)
        if(_maya_new_abi)
          set(MAYA_LINUX_CXX11_ABI 1)
          set(MAYA_CXX11_ABI_SOURCE "${_maya_lib_name} uses std::__cxx11")
        elseif(_maya_old_abi)
          set(MAYA_LINUX_CXX11_ABI 0)
          set(MAYA_CXX11_ABI_SOURCE "${_maya_lib_name} uses the pre-C++11 std::string")
        endif()
      endif()
    endforeach()
    if(MAYA_LINUX_CXX11_ABI STREQUAL "")
      if(_maya_chosen_year VERSION_LESS 2024)
        set(MAYA_LINUX_CXX11_ABI 0)
      else()
        set(MAYA_LINUX_CXX11_ABI 1)
      endif()
      set(MAYA_CXX11_ABI_SOURCE "no std::string in the devkit libraries; Maya ${_maya_chosen_year}'s rule")
    endif()
  else()
    message(FATAL_ERROR "MAYA_CXX11_ABI is '${MAYA_CXX11_ABI}'; use AUTO, ON or OFF")
  endif()
  if(NOT Maya_FIND_QUIETLY)
    message(STATUS "Maya ${_maya_chosen_year} C++ ABI: _GLIBCXX_USE_CXX11_ABI=${MAYA_LINUX_CXX11_ABI} (${MAYA_CXX11_ABI_SOURCE})")
  endif()
endif()

if(WIN32)
  set(MAYA_PLUGIN_SUFFIX ".mll")
  set(_maya_platform_defs NT_PLUGIN)
elseif(APPLE)
  set(MAYA_PLUGIN_SUFFIX ".bundle")
  set(_maya_platform_defs OSMac_ MAC_PLUGIN)
else()
  set(MAYA_PLUGIN_SUFFIX ".so")
  set(_maya_platform_defs LINUX)
endif()

set(_maya_fail_message "Maya devkit (include/maya/MTypes.h) not found")
if(_maya_rejected)
  string(REPLACE ";" "\n    " _r "${_maya_rejected}")
  string(APPEND _maya_fail_message "; rejected:\n    ${_r}\n ")
endif()
string(APPEND _maya_fail_message ". Set MAYA_LOCATION to the Maya root (the folder with include/maya and lib/)")

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Maya
  REQUIRED_VARS MAYA_INCLUDE_DIR MAYA_OpenMaya_LIBRARY MAYA_Foundation_LIBRARY MAYA_LOCATION
  VERSION_VAR Maya_VERSION
  FAIL_MESSAGE "${_maya_fail_message}")

if(Maya_FOUND)
  foreach(_lib IN ITEMS Foundation OpenMaya OpenMayaRender OpenMayaUI OpenMayaAnim)
    if(MAYA_${_lib}_LIBRARY AND NOT TARGET Maya::${_lib})
      add_library(Maya::${_lib} UNKNOWN IMPORTED)
      set_target_properties(Maya::${_lib} PROPERTIES
        IMPORTED_LOCATION "${MAYA_${_lib}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${MAYA_INCLUDE_DIR}"
        INTERFACE_COMPILE_DEFINITIONS "${_maya_platform_defs};_BOOL;REQUIRE_IOSTREAM"
        INTERFACE_COMPILE_FEATURES cxx_std_17)
      if(NOT MAYA_LINUX_CXX11_ABI STREQUAL "")
        set_property(TARGET Maya::${_lib} APPEND PROPERTY
          INTERFACE_COMPILE_DEFINITIONS "_GLIBCXX_USE_CXX11_ABI=${MAYA_LINUX_CXX11_ABI}")
      endif()
      if(NOT _lib STREQUAL "Foundation")
        set_property(TARGET Maya::${_lib} APPEND PROPERTY INTERFACE_LINK_LIBRARIES Maya::Foundation)
      endif()
      if(_lib STREQUAL "OpenMayaRender" OR _lib STREQUAL "OpenMayaUI" OR _lib STREQUAL "OpenMayaAnim")
        set_property(TARGET Maya::${_lib} APPEND PROPERTY INTERFACE_LINK_LIBRARIES Maya::OpenMaya)
      endif()
    endif()
  endforeach()
  mark_as_advanced(MAYA_INCLUDE_DIR MAYA_LIBRARY_DIR)
endif()

#[[ maya_set_plugin_properties(<target>)
    Name the module the way Maya loads plug-ins: <name>.so (Linux), <name>.mll (Windows),
    <name>.bundle (macOS), never with a "lib" prefix; export the entry points on Windows. ]]
function(maya_set_plugin_properties target)
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX "${MAYA_PLUGIN_SUFFIX}")
  if(WIN32)
    target_link_options(${target} PRIVATE "/export:initializePlugin" "/export:uninitializePlugin")
  endif()
endfunction()

cmake_policy(POP)
