# Stop the agent a test started (its BRM_HOME); fine when none runs.
set(ENV{BRM_HOME} "${HOME_DIR}")
if(EXISTS "${AGENT}")
  execute_process(COMMAND "${AGENT}" agent stop RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 30)
endif()
