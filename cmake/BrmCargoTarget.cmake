# brm_cargo_target_dir(<var>): the cargo target folder of this checkout, as cargo reports it
# (`cargo metadata`: honours CARGO_TARGET_DIR and .cargo/config.toml), else
# $ENV{CARGO_TARGET_DIR}, else <repo>/target when cargo cannot be asked.
function(brm_cargo_target_dir out repo_root)
  set(_dir "")
  find_program(_brm_cargo cargo)
  if(_brm_cargo)
    execute_process(
      COMMAND "${_brm_cargo}" metadata --format-version 1 --no-deps
              --manifest-path "${repo_root}/Cargo.toml"
      OUTPUT_VARIABLE _meta ERROR_QUIET RESULT_VARIABLE _rc)
    if(_rc EQUAL 0 AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
      string(JSON _dir ERROR_VARIABLE _err GET "${_meta}" target_directory)
      if(_err)
        set(_dir "")
      endif()
    endif()
  endif()
  if(NOT _dir AND DEFINED ENV{CARGO_TARGET_DIR})
    get_filename_component(_dir "$ENV{CARGO_TARGET_DIR}" ABSOLUTE BASE_DIR "${repo_root}")
  endif()
  if(NOT _dir)
    set(_dir "${repo_root}/target")
  endif()
  set(${out} "${_dir}" PARENT_SCOPE)
endfunction()
