#include "brmUtil.h"

#include <maya/MGlobal.h>

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace brm_maya {

namespace {
std::string g_loadPath;

const char* resultName(brm_result r)
{
    switch (r) {
    case BRM_OK: return "BRM_OK";
    case BRM_ERR_NULL_ARGUMENT: return "BRM_ERR_NULL_ARGUMENT";
    case BRM_ERR_INVALID_UTF8: return "BRM_ERR_INVALID_UTF8";
    case BRM_ERR_INVALID_ARGUMENT: return "BRM_ERR_INVALID_ARGUMENT";
    case BRM_ERR_FRAME_SYNTAX: return "BRM_ERR_FRAME_SYNTAX";
    case BRM_ERR_TOO_MANY_FRAMES: return "BRM_ERR_TOO_MANY_FRAMES";
    case BRM_ERR_BUFFER_TOO_SMALL: return "BRM_ERR_BUFFER_TOO_SMALL";
    case BRM_ERR_NOT_FOUND: return "BRM_ERR_NOT_FOUND";
    case BRM_ERR_UNAVAILABLE: return "BRM_ERR_UNAVAILABLE";
    case BRM_ERR_IO: return "BRM_ERR_IO";
    case BRM_ERR_PROTOCOL: return "BRM_ERR_PROTOCOL";
    case BRM_ERR_JOB_FAILED: return "BRM_ERR_JOB_FAILED";
    case BRM_ERR_TIMEOUT: return "BRM_ERR_TIMEOUT";
    case BRM_ERR_UNSUPPORTED: return "BRM_ERR_UNSUPPORTED";
    case BRM_ERR_PANIC: return "BRM_ERR_PANIC";
    case BRM_ERR_INTERNAL: return "BRM_ERR_INTERNAL";
    default: return "BRM_ERR_?";
    }
}

bool isFile(const std::string& p)
{
    struct stat st;
    return !p.empty() && stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string baseName(const std::string& p)
{
    size_t s = p.find_last_of("/\\");
    return s == std::string::npos ? p : p.substr(s + 1);
}

std::string dirName(const std::string& p)
{
    size_t s = p.find_last_of("/\\");
    return s == std::string::npos ? std::string() : p.substr(0, s);
}
}  // namespace

std::string lastError()
{
    size_t needed = 0;
    brm_last_error(nullptr, 0, &needed);
    if (needed <= 1) return std::string();
    std::vector<char> buf(needed);
    if (brm_last_error(buf.data(), buf.size(), &needed) != BRM_OK) return std::string();
    return std::string(buf.data());
}

MStatus fail(const char* command, const std::string& what)
{
    MGlobal::displayError(toM(std::string(command) + ": " + what));
    return MS::kFailure;
}

MStatus failLib(const char* command, const std::string& what, brm_result r)
{
    std::string msg = lastError();
    if (msg.empty()) msg = "no details from libbrm";
    return fail(command, what + ": " + msg + " [" + resultName(r) + "]");
}

bool parseJobId(const MString& text, uint64_t& out, std::string& err)
{
    std::string s = fromM(text);
    bool digits = !s.empty() && s.size() <= 20;
    for (char c : s) digits = digits && c >= '0' && c <= '9';
    errno = 0;
    unsigned long long v = digits ? std::strtoull(s.c_str(), nullptr, 10) : 0;
    if (!digits || errno == ERANGE || v == 0) {
        err = "'" + s + "' is not a job id; job ids are positive numbers given as strings, e.g. \"12\" "
              "(list them with brmJobs)";
        return false;
    }
    out = v;
    return true;
}

bool jobIdArgument(const MArgDatabase& db, const char* command, uint64_t& out)
{
    MString idText;
    db.getCommandArgument(0, idText);
    std::string err;
    if (parseJobId(idText, out, err)) return true;
    fail(command, err);
    return false;
}

MString jobIdString(uint64_t id)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llu", (unsigned long long)id);
    return toM(buf);
}

bool toMayaInt(uint64_t value, int& out)
{
    if (value > (uint64_t)INT_MAX) return false;
    out = (int)value;
    return true;
}

std::string stateName(uint32_t state)
{
    switch (state) {
    case BRM_JOB_QUEUED: return "queued";
    case BRM_JOB_RUNNING: return "running";
    case BRM_JOB_DONE: return "done";
    case BRM_JOB_FAILED: return "failed";
    case BRM_JOB_CANCELLED: return "cancelled";
    case BRM_JOB_PAUSED: return "paused";
    default: return "unknown(" + std::to_string(state) + ")";
    }
}

bool stateIsFinal(uint32_t state)
{
    return state == BRM_JOB_DONE || state == BRM_JOB_FAILED || state == BRM_JOB_CANCELLED;
}

std::string jsonQuote(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += (char)c;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += (char)c;
        }
    }
    return o + "\"";
}

void setPluginLoadPath(const std::string& dir) { g_loadPath = dir; }

std::string moduleAgentPath()
{
    // Module layout: <module>/plug-ins/<mayaVersion>/brm.so or <module>/plug-ins/brm.so,
    // with the agent at <module>/bin/brm.
    std::string dir = g_loadPath;
    while (!dir.empty() && (dir.back() == '/' || dir.back() == '\\')) dir.pop_back();
    std::string base = baseName(dir);
    if (base.size() == 4 && base.find_first_not_of("0123456789") == std::string::npos) {
        dir = dirName(dir);
        base = baseName(dir);
    }
    if (base != "plug-ins") return std::string();
#ifdef _WIN32
    std::string agent = dirName(dir) + "/bin/brm.exe";
#else
    std::string agent = dirName(dir) + "/bin/brm";
#endif
    return isFile(agent) ? agent : std::string();
}

}  // namespace brm_maya
