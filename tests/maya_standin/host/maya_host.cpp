// maya_host: plays Maya for a plug-in built against the stand-in API.
//
//   maya_host [--scene FILE] [--expect-load-failure REGEX] PLUGIN [--script FILE]... [-- CMD ARG...]
//
// Loads PLUGIN the way Maya does (dlopen, check the embedded MApiVersion, call the C++
// initializePlugin(MObject) of this API namespace), runs commands, fires timer callbacks like
// Maya's idle loop, then calls uninitializePlugin and checks that the plug-in removed every
// command and callback it added. Prints "> command", "result: ...", "info|warning|error: ..."
// lines. Exit status: 0 all good, 1 an expectation failed, 2 usage, 3 load failure.
//
// Script files hold one MEL-like command per line (`brmFrames "1-10x3";`: quoted tokens are
// strings, unquoted numbers are numbers, unquoted -name is a flag) and directives:
//   @ok | @fail                    the last command succeeded / failed
//   @result TEXT | @result~ REGEX  the last result, formatted as 5, "text", [1, 2], ["a", "b"]
//   @error~ R | @warning~ R | @info~ R   a message since the last command or poll (timer
//                                  output included) matched
//   @noerror                       no error message since then
//   @set NAME                      keep the last result as ${NAME} (also ${ENV_VAR} works)
//   @env NAME=VALUE | @unsetenv NAME
//   @scene PATH                    the scene Maya has open (MFileIO::currentFile)
//   @currentfile PATH              assert the open scene is PATH
//   @filetrace~ R | @nofiletrace~ R   an MFileIO operation (exportAll/saveAs/...) matched / none did
//   @timers N                      fire the timer callbacks N times (0.1 s apart)
//   @timercount N                  assert N timer callbacks are registered
//   @poll SECONDS REGEX COMMAND    rerun COMMAND, firing timers, until its result matches
//   @exists GLOB [MIN]             at least MIN (default 1) non-empty files match GLOB
//   @sleep MS | @reload | @echo TEXT
//   @createNode TYPE NAME | @setAttr NODE.ATTR VALUE | @connectAttr SRC DST | @delete NODE
//   @rename OLD NEW
//                                  edit the open scene in memory (not saved), like the MEL
//                                  commands; @renderSetupLayer NAME adds a Render Setup layer
//                                  as renderSetup's createRenderLayer does (NAME + rs_NAME)
//   @codeset NAME                  the locale's character set is NAME (nl_langinfo(CODESET)):
//                                  the host, like Maya, runs in the user's locale (setlocale)

#include <maya/MObject.h>
#include <maya/MStatus.h>
#include <maya/MTypes.h>

#include "MStandinHost.h"
#include "PluginLoader.h"

#include <dlfcn.h>
#include <langinfo.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using MStandinHost::Arg;
using MStandinHost::MsgKind;

namespace {

struct Message {
    MsgKind kind;
    std::string text;
};

std::vector<Message> g_messages;  // since the last command / timers / poll
std::map<std::string, std::string> g_vars;
bool g_lastOk = true;
bool g_undefinedVariable = false;  // a script used ${NAME} with nothing set: fail it

void sink(MsgKind kind, const std::string& text)
{
    g_messages.push_back(Message{kind, text});
    const char* p = kind == MsgKind::Error ? "error: " : kind == MsgKind::Warning ? "warning: " : "info: ";
    std::printf("%s%s\n", p, text.c_str());
    std::fflush(stdout);
}

std::string expand(const std::string& s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
            size_t end = s.find('}', i + 2);
            if (end != std::string::npos) {
                std::string name = s.substr(i + 2, end - i - 2);
                auto it = g_vars.find(name);
                if (it != g_vars.end()) {
                    out += it->second;
                } else if (const char* e = std::getenv(name.c_str())) {
                    out += e;
                } else {
                    std::printf("host error: variable ${%s} is not set\n", name.c_str());
                    g_undefinedVariable = true;
                }
                i = end;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

bool isNumber(const std::string& t, bool& isInt)
{
    if (t.empty()) return false;
    char* end = nullptr;
    std::strtod(t.c_str(), &end);
    if (*end != '\0') return false;
    isInt = t.find_first_of(".eE") == std::string::npos;
    return true;
}

Arg classify(const std::string& tok, bool quoted)
{
    if (quoted) return Arg{Arg::String, tok};
    bool isInt = false;
    if (isNumber(tok, isInt)) return Arg{isInt ? Arg::Int : Arg::Double, tok};
    if (tok.size() > 1 && tok[0] == '-' && std::isalpha(static_cast<unsigned char>(tok[1])))
        return Arg{Arg::Flag, tok};
    return Arg{Arg::String, tok};
}

// Split a MEL-like command line into the command name and typed arguments.
bool tokenize(const std::string& line, std::string& name, std::vector<Arg>& args, std::string& err)
{
    std::vector<std::pair<std::string, bool>> toks;
    size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (std::isspace(static_cast<unsigned char>(c)) || c == ';') {
            ++i;
            continue;
        }
        if (c == '"') {
            std::string t;
            ++i;
            bool closed = false;
            while (i < line.size()) {
                char d = line[i++];
                if (d == '\\' && i < line.size()) {
                    char e = line[i++];
                    t += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                } else if (d == '"') {
                    closed = true;
                    break;
                } else {
                    t += d;
                }
            }
            if (!closed) {
                err = "unterminated string";
                return false;
            }
            toks.push_back({t, true});
        } else {
            std::string t;
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])) && line[i] != ';')
                t += line[i++];
            toks.push_back({t, false});
        }
    }
    if (toks.empty()) {
        err = "empty command";
        return false;
    }
    name = toks[0].first;
    for (size_t k = 1; k < toks.size(); ++k) args.push_back(classify(toks[k].first, toks[k].second));
    return true;
}

bool run(const std::string& line, bool echo = true)
{
    std::string name, err;
    std::vector<Arg> args;
    if (!tokenize(line, name, args, err)) {
        std::printf("host error: %s in: %s\n", err.c_str(), line.c_str());
        g_lastOk = false;
        return false;
    }
    if (echo) std::printf("> %s\n", line.c_str());
    g_messages.clear();
    g_lastOk = MStandinHost::runCommand(name, args);
    std::string r = MStandinHost::formatResult();
    if (echo) {
        if (!r.empty()) std::printf("result: %s\n", r.c_str());
        if (!g_lastOk) std::printf("status: failed\n");
    }
    std::fflush(stdout);
    return g_lastOk;
}

bool anyMessage(MsgKind kind, const std::string& re)
{
    std::regex rx(re);
    for (const Message& m : g_messages)
        if (m.kind == kind && std::regex_search(m.text, rx)) return true;
    return false;
}

std::string trim(const std::string& s)
{
    size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return "";
    size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

void fire(int times)
{
    for (int i = 0; i < times; ++i) MStandinHost::fireTimers(0.1f);
    std::fflush(stdout);
}

struct Runner {
    Plugin* plugin;
    std::string file;
    int lineNo = 0;
    bool failed = false;

    bool fail(const std::string& why)
    {
        std::printf("FAIL: %s:%d: %s\n", file.c_str(), lineNo, why.c_str());
        std::fflush(stdout);
        failed = true;
        return false;
    }

    bool directive(const std::string& raw)
    {
        std::string d = raw;
        size_t sp = d.find(' ');
        std::string key = sp == std::string::npos ? d : d.substr(0, sp);
        std::string rest = sp == std::string::npos ? "" : trim(expand(d.substr(sp + 1)));
        if (key == "@ok") return g_lastOk || fail("expected the command to succeed");
        if (key == "@fail") return !g_lastOk || fail("expected the command to fail");
        if (key == "@result") {
            std::string r = MStandinHost::formatResult();
            return r == rest || fail("result " + r + " != " + rest);
        }
        if (key == "@result~") {
            std::string r = MStandinHost::formatResult();
            return std::regex_search(r, std::regex(rest)) || fail("result " + r + " does not match /" + rest + "/");
        }
        if (key == "@error~") return anyMessage(MsgKind::Error, rest) || fail("no error matching /" + rest + "/");
        if (key == "@warning~")
            return anyMessage(MsgKind::Warning, rest) || fail("no warning matching /" + rest + "/");
        if (key == "@info~") return anyMessage(MsgKind::Info, rest) || fail("no info matching /" + rest + "/");
        if (key == "@noerror") return !anyMessage(MsgKind::Error, "") || fail("unexpected error message");
        if (key == "@noinfo~") return !anyMessage(MsgKind::Info, rest) || fail("unexpected info matching /" + rest + "/");
        if (key == "@set") {
            g_vars[rest] = MStandinHost::resultText();
            std::printf("set %s=%s\n", rest.c_str(), g_vars[rest].c_str());
            return true;
        }
        if (key == "@env") {
            size_t eq = rest.find('=');
            if (eq == std::string::npos) return fail("@env needs NAME=VALUE");
            setenv(rest.substr(0, eq).c_str(), rest.substr(eq + 1).c_str(), 1);
            return true;
        }
        if (key == "@unsetenv") {
            unsetenv(rest.c_str());
            return true;
        }
        if (key == "@scene") {
            MStandinHost::setCurrentFile(rest);
            return true;
        }
        if (key == "@currentfile") {
            std::string c = MStandinHost::currentFile();
            return c == rest || fail("current file is '" + c + "', expected '" + rest + "'");
        }
        if (key == "@filetrace~" || key == "@nofiletrace~") {
            std::regex rx(rest);
            bool any = false;
            for (const std::string& t : MStandinHost::fileTrace()) any = any || std::regex_search(t, rx);
            if (key == "@filetrace~") return any || fail("no file operation matching /" + rest + "/");
            return !any || fail("a file operation matched /" + rest + "/");
        }
        if (key == "@timers") {
            // Messages accumulate: a check after @timers sees those of the last command,
            // poll and these timer calls.
            fire(std::atoi(rest.c_str()));
            return true;
        }
        if (key == "@createNode" || key == "@setAttr" || key == "@connectAttr" || key == "@delete" ||
            key == "@renderSetupLayer" || key == "@rename") {
            size_t sp2 = rest.find(' ');
            std::string a = sp2 == std::string::npos ? rest : rest.substr(0, sp2);
            std::string b = sp2 == std::string::npos ? "" : trim(rest.substr(sp2 + 1));
            std::string err;
            bool ok = key == "@createNode"    ? MStandinHost::createNode(a, b, err)
                      : key == "@setAttr"     ? MStandinHost::setAttr(a, b, err)
                      : key == "@connectAttr" ? MStandinHost::connectAttr(a, b, err)
                      : key == "@delete"      ? MStandinHost::deleteNode(a, err)
                      : key == "@rename"      ? MStandinHost::renameNode(a, b, err)
                                              : (MStandinHost::createNode("renderSetupLayer", a, err) &&
                                            MStandinHost::createNode("renderLayer", "rs_" + a, err) &&
                                            MStandinHost::connectAttr("rs_" + a + ".message", a + ".legacyRenderLayer", err));
            return ok || fail(key + ": " + err);
        }
        if (key == "@codeset") {
            std::string c = nl_langinfo(CODESET);
            return c == rest || fail("the locale's character set is " + c + ", expected " + rest +
                                     " (is the locale generated? LANG/LC_ALL/LOCPATH)");
        }
        if (key == "@timercount") {
            size_t n = MStandinHost::timerCount();
            return n == (size_t)std::atoi(rest.c_str()) ||
                   fail("timer callbacks registered: " + std::to_string(n) + ", expected " + rest);
        }
        if (key == "@poll") {
            // @poll SECONDS REGEX COMMAND
            size_t a = rest.find(' ');
            size_t b = a == std::string::npos ? std::string::npos : rest.find(' ', a + 1);
            if (b == std::string::npos) return fail("@poll SECONDS REGEX COMMAND");
            double secs = std::atof(rest.substr(0, a).c_str());
            std::regex rx(rest.substr(a + 1, b - a - 1));
            std::string cmd = rest.substr(b + 1);
            std::vector<Message> all;
            auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds((long)(secs * 1000));
            std::printf("> (poll %gs) %s\n", secs, cmd.c_str());
            std::string last;
            while (true) {
                run(cmd, false);
                all.insert(all.end(), g_messages.begin(), g_messages.end());
                last = MStandinHost::formatResult();
                if (!g_lastOk) {
                    g_messages = all;
                    return fail("the polled command failed: " + cmd);
                }
                if (std::regex_search(last, rx)) break;
                if (std::chrono::steady_clock::now() > deadline) {
                    g_messages = all;
                    return fail("timed out after " + rest.substr(0, a) + " s; last result " + last);
                }
                g_messages.clear();
                fire(1);
                all.insert(all.end(), g_messages.begin(), g_messages.end());
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            std::printf("result: %s\n", last.c_str());
            g_messages = all;
            return true;
        }
        if (key == "@exists") {
            std::string pattern = rest;
            size_t min = 1;
            size_t sp2 = rest.rfind(' ');
            if (sp2 != std::string::npos) {
                pattern = rest.substr(0, sp2);
                min = (size_t)std::atol(rest.substr(sp2 + 1).c_str());
            }
            glob_t g;
            std::memset(&g, 0, sizeof g);
            size_t n = 0;
            if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; ++i) {
                    struct stat st;
                    if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) ++n;
                }
            }
            globfree(&g);
            std::printf("exists: %zu non-empty file(s) match %s\n", n, pattern.c_str());
            return n >= min || fail(std::to_string(n) + " non-empty file(s) match " + pattern + ", expected >= " +
                                    std::to_string(min));
        }
        if (key == "@sleep") {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(rest.c_str())));
            return true;
        }
        if (key == "@echo") {
            std::printf("%s\n", rest.c_str());
            return true;
        }
        if (key == "@reload") {
            g_messages.clear();
            MStatus s = plugin->uninit(MStandinHost::pluginObject(plugin->path));
            if (!s) return fail("uninitializePlugin failed");
            if (MStandinHost::timerCount() != 0) return fail("timer callbacks left after uninitializePlugin");
            if (!MStandinHost::registeredCommands().empty()) return fail("commands left after uninitializePlugin");
            s = plugin->init(MStandinHost::pluginObject(plugin->path));
            return (bool)s || fail("initializePlugin failed on reload");
        }
        return fail("unknown directive " + key);
    }

    bool runFile(const std::string& path)
    {
        file = path;
        std::ifstream in(path);
        if (!in) return fail("cannot read script " + path);
        std::string line;
        while (std::getline(in, line)) {
            ++lineNo;
            std::string t = trim(line);
            if (t.empty() || t[0] == '#' || t.rfind("//", 0) == 0) continue;
            g_undefinedVariable = false;
            if (t[0] == '@') {
                if (!directive(t)) return false;
            } else {
                run(expand(t));
            }
            if (g_undefinedVariable) return fail("undefined variable (see above)");
        }
        return true;
    }
};

int usage()
{
    std::fprintf(stderr,
                 "usage: maya_host [--scene FILE] [--expect-load-failure REGEX] PLUGIN [--script FILE]... "
                 "[-- CMD ARG...]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv)
{
    // Maya runs in the user's locale (LANG / LC_ALL): MString's char* members follow it.
    std::setlocale(LC_ALL, "");
    std::string pluginPath, expectLoadFailure;
    std::vector<std::string> scripts;
    std::vector<std::string> direct;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--scene" && i + 1 < argc) {
            MStandinHost::setCurrentFile(argv[++i]);
        } else if (a == "--expect-load-failure" && i + 1 < argc) {
            expectLoadFailure = argv[++i];
        } else if (a == "--script" && i + 1 < argc) {
            scripts.push_back(argv[++i]);
        } else if (a == "--") {
            for (++i; i < argc; ++i) direct.push_back(argv[i]);
        } else if (pluginPath.empty() && a[0] != '-') {
            pluginPath = a;
        } else {
            return usage();
        }
    }
    if (pluginPath.empty()) return usage();
    char resolved[4096];
    if (realpath(pluginPath.c_str(), resolved)) pluginPath = resolved;

    MStandinHost::setMessageSink(sink);
    std::printf("maya_host: Maya API %s (%s)\n", STR(MAYA_API_VERSION), STR(OPENMAYA_MAJOR_NAMESPACE));
    Plugin plugin;
    plugin.path = pluginPath;
    std::string err;
    bool loaded = loadPlugin(plugin, err);
    MStatus initStatus = MS::kFailure;
    if (loaded) {
        g_messages.clear();
        initStatus = plugin.init(MStandinHost::pluginObject(pluginPath));
    } else {
        std::printf("error: %s\n", err.c_str());
    }
    if (!expectLoadFailure.empty()) {
        if (loaded && initStatus) {
            std::printf("FAIL: the plug-in loaded, expected a refusal matching /%s/\n", expectLoadFailure.c_str());
            plugin.uninit(MStandinHost::pluginObject(pluginPath));
            return 1;
        }
        bool matched = anyMessage(MsgKind::Error, expectLoadFailure) ||
                       std::regex_search(err, std::regex(expectLoadFailure));
        std::printf("%s: load refused%s\n", matched ? "ok" : "FAIL", matched ? "" : " without a matching message");
        return matched ? 0 : 1;
    }
    if (!loaded) return 3;
    if (!initStatus) {
        std::printf("error: initializePlugin failed for %s\n", pluginPath.c_str());
        return 3;
    }
    std::printf("loaded: %s\n", pluginPath.c_str());

    bool ok = true;
    for (const std::string& s : scripts) {
        Runner r{&plugin, s};
        ok = r.runFile(s) && ok;
        if (!ok) break;
    }
    if (!direct.empty()) {
        std::string line;
        for (size_t i = 0; i < direct.size(); ++i) {
            bool isInt = false;
            bool quoteIt = i > 0 && !isNumber(direct[i], isInt) && !(direct[i].size() > 1 && direct[i][0] == '-');
            if (i) line += ' ';
            if (quoteIt) {
                line += '"';
                for (char c : direct[i]) {
                    if (c == '"' || c == '\\') line += '\\';
                    line += c;
                }
                line += '"';
            } else {
                line += direct[i];
            }
        }
        ok = run(line) && ok;
    }

    g_messages.clear();
    MStatus s = plugin.uninit(MStandinHost::pluginObject(pluginPath));
    if (!s) {
        std::printf("FAIL: uninitializePlugin failed\n");
        ok = false;
    }
    if (MStandinHost::timerCount() != 0) {
        std::printf("FAIL: %zu timer callback(s) still registered after uninitializePlugin\n",
                    MStandinHost::timerCount());
        ok = false;
    }
    for (const std::string& c : MStandinHost::registeredCommands()) {
        std::printf("FAIL: command %s still registered after uninitializePlugin\n", c.c_str());
        ok = false;
    }
    std::printf("unloaded: %s\n", ok ? "ok" : "with failures");
    std::fflush(stdout);
    dlclose(plugin.handle);
    return ok ? 0 : 1;
}
