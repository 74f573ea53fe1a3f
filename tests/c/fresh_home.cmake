# ctest fixture: cmake -DBRM=<brm exe> -DHOME=<dir> -P fresh_home.cmake
# Stop an agent a previous run may have left in HOME, then give the test an empty HOME.
cmake_policy(VERSION 3.16)
set(ENV{BRM_HOME} "${HOME}")
execute_process(COMMAND "${BRM}" agent stop OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE ignored)
file(REMOVE_RECURSE "${HOME}")
file(MAKE_DIRECTORY "${HOME}")
