// Shared helpers of the brm commands: error reporting through the Script Editor with libbrm's
// own message, job ids as strings (Maya's int is 32-bit), the per-plugin agent client, and
// owning wrappers for library-allocated objects.
#pragma once

#include "brm.h"

#include <maya/MArgDatabase.h>
#include <maya/MStatus.h>
#include <maya/MString.h>

#include <cstdint>
#include <exception>
#include <string>

namespace brm_maya {

/// The message of the last failed libbrm call on this thread ("" when none).
std::string lastError();

/// Show "<command>: <what>" as a Script Editor error and return kFailure.
MStatus fail(const char* command, const std::string& what);

/// Like fail(), adding libbrm's last error message for result `r`.
MStatus failLib(const char* command, const std::string& what, brm_result r);

/// Parse a job id given as a string ("12"); on failure `err` says what was wrong.
bool parseJobId(const MString& text, uint64_t& out, std::string& err);

/// The job id given as the command's first argument. False, after showing the error as
/// `command`'s, when it is not a job id.
bool jobIdArgument(const MArgDatabase& db, const char* command, uint64_t& out);
MString jobIdString(uint64_t id);

/// Convert a size to Maya's 32-bit int, or fail with a message naming `what`.
bool toMayaInt(uint64_t value, int& out);


/// "queued", "running", "done", "failed", "cancelled", "paused", or "unknown(<n>)".
std::string stateName(uint32_t state);
bool stateIsFinal(uint32_t state);

/// Where the plug-in was loaded from; used to find the module's bin/brm agent.
void setPluginLoadPath(const std::string& dir);
/// The module's agent executable (<module>/bin/brm) if the plug-in runs from a module
/// layout and it exists; "" otherwise.
std::string moduleAgentPath();

/// Quote a string for JSON.
std::string jsonQuote(const std::string& s);

/// A library-allocated string, freed with brm_string_free.
struct OwnedString {
    char* p = nullptr;
    OwnedString() = default;
    OwnedString(const OwnedString&) = delete;
    OwnedString& operator=(const OwnedString&) = delete;
    ~OwnedString() { brm_string_free(p); }
    std::string str() const { return p ? std::string(p) : std::string(); }
};

/// Run a command body so that no C++ exception ever reaches Maya.
template <class F> MStatus guarded(const char* command, F&& body)
{
    try {
        return body();
    } catch (const std::exception& e) {
        return fail(command, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(command, "internal error");
    }
}

// Text crosses between Maya and libbrm only through these two. brm.h speaks UTF-8, while
// MString(const char*) and asChar() use the locale's multibyte encoding (Maya devkit,
// MString): under a Latin-1 or Shift-JIS locale a layer "scène" would reach libbrm
// mis-encoded (and be refused as invalid UTF-8). setUTF8()/asUTF8() are exact in every locale.
inline MString toM(const std::string& s)
{
    MString m;
    m.setUTF8(s.c_str());
    return m;
}
inline std::string fromM(const MString& s)
{
    int n = 0;
    const char* p = s.asUTF8(n);
    return std::string(p, (size_t)(n > 0 ? n : 0));
}

}  // namespace brm_maya
