#include "brmClient.h"

#include "brmUtil.h"

#include <cstdlib>
#include <string>

namespace brm_maya {

namespace {
brm_client* g_client = nullptr;
}

brm_client* client(const char* command)
{
    if (g_client) return g_client;
    // BRM_AGENT (read by the library) wins; otherwise, when the plug-in runs from the brm
    // module, point the library at the module's own agent so the matching version is used.
    std::string options;
    const char* env = std::getenv("BRM_AGENT");
    std::string agent = (env && *env) ? std::string() : moduleAgentPath();
    // Maya's main thread never waits on the agent longer than this, to start it or for an
    // answer (a hung or stopped agent gives an error, not a frozen UI): BRM_MAYA_TIMEOUT_MS,
    // default 5000.
    long timeoutMs = 5000;
    if (const char* t = std::getenv("BRM_MAYA_TIMEOUT_MS")) {
        char* end = nullptr;
        long v = std::strtol(t, &end, 10);
        if (end != t && v > 0) timeoutMs = v;
    }
    options = "{\"request_timeout_ms\": " + std::to_string(timeoutMs) +
              ", \"connect_timeout_ms\": " + std::to_string(timeoutMs);
    if (!agent.empty()) options += ", \"agent_path\": " + jsonQuote(agent);
    options += "}";
    brm_client* c = nullptr;
    brm_result r = brm_client_new(options.c_str(), &c);
    if (r != BRM_OK) {
        failLib(command, "cannot reach the brm agent", r);
        return nullptr;
    }
    g_client = c;
    return g_client;
}

void releaseClient()
{
    brm_client_free(g_client);
    g_client = nullptr;
}

}  // namespace brm_maya
