# Setup of maya_plugin.utf8_locale: a non-UTF-8 locale and a scene with non-ASCII names.
#   cmake -DLOCDIR=<dir> -DSRC=<cube__cube.ma> -DDEST=<.../scène/cube é.ma> -P utf8_setup.cmake
#
# The locale: en_US.ISO-8859-1 compiled with localedef into LOCDIR (no root needed; the test
# points LOCPATH there). Debian ships the sources in the `locales` package
# (/usr/share/i18n); scripts/test.sh installs it when missing.
# The scene: the shared cube scene plus a legacy render layer "beauté" (written exactly as
# Maya 2023 writes a renderLayer node: createNode, the renderable flag `.rndr`, its slot in
# the renderLayerManager), saved under a folder and file name with accents.
if(NOT EXISTS "${LOCDIR}/en_US.ISO-8859-1/LC_CTYPE")
  find_program(LOCALEDEF localedef)
  if(NOT LOCALEDEF)
    message(FATAL_ERROR "localedef not found (Debian: apt-get install locales)")
  endif()
  file(MAKE_DIRECTORY "${LOCDIR}")
  # localedef exits 1 on mere warnings; the compiled LC_CTYPE is what counts.
  execute_process(COMMAND "${LOCALEDEF}" -c -i en_US -f ISO-8859-1 "${LOCDIR}/en_US.ISO-8859-1"
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT EXISTS "${LOCDIR}/en_US.ISO-8859-1/LC_CTYPE")
    message(FATAL_ERROR "localedef could not build en_US.ISO-8859-1 (rc ${_rc}): ${_out}${_err}\n"
                        "Debian: apt-get install locales (it ships /usr/share/i18n)")
  endif()
endif()
file(READ "${SRC}" _scene)
string(APPEND _scene "createNode renderLayer -n \"beauté\";\n\tsetAttr \".rndr\" yes;\n"
                     "connectAttr \"renderLayerManager.rlmi[1]\" \"beauté.rlid\";\n")
get_filename_component(_dir "${DEST}" DIRECTORY)
file(MAKE_DIRECTORY "${_dir}")
file(WRITE "${DEST}" "${_scene}")
