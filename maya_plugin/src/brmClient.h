// The agent client shared by the job commands of this plugin.
#pragma once

#include "brm.h"

namespace brm_maya {

/// Created on first use (the library starts the per-user agent when needed). NULL on
/// failure, after reporting the error as `command`'s.
brm_client* client(const char* command);

/// Free the client (at unload). Jobs keep running in the agent.
void releaseClient();

}  // namespace brm_maya
