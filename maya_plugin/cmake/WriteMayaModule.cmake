# Writes <module root>/brm.mod at install time (cmake --install runs it).
#
# One entry per Maya version whose plug-in is installed under plug-ins/<version>/, so builds
# for several Maya versions installed into the same prefix make one module. Module syntax
# (Autodesk "Maya module paths, folders and versions"):
#   + MAYAVERSION:<version> PLATFORM:<platform> <name> <module version> <path>
# with <path> relative to the .mod file ("." = this folder, so the tree can be moved), then
# per-entry overrides relative to the module path.
# Inputs: BRM_MODULE_ROOT, BRM_MODULE_VERSION, BRM_MAYA_PLATFORM (linux, win64, mac).

file(GLOB _versions RELATIVE "${BRM_MODULE_ROOT}/plug-ins" "${BRM_MODULE_ROOT}/plug-ins/[0-9][0-9][0-9][0-9]")
list(SORT _versions)
set(_mod "")
foreach(_v IN LISTS _versions)
  string(APPEND _mod
    "+ MAYAVERSION:${_v} PLATFORM:${BRM_MAYA_PLATFORM} brm ${BRM_MODULE_VERSION} .\n"
    "plug-ins: plug-ins/${_v}\n"
    "PATH+:=bin\n"
    "\n")
endforeach()
if(_mod STREQUAL "")
  message(FATAL_ERROR "no plug-in under ${BRM_MODULE_ROOT}/plug-ins/<version>/: nothing to describe in brm.mod")
endif()
file(WRITE "${BRM_MODULE_ROOT}/brm.mod" "${_mod}")
message(STATUS "Maya module description: ${BRM_MODULE_ROOT}/brm.mod (${_versions})")
