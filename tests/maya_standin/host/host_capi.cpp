// libmaya_standin_host.so: the stand-in Maya host as a C API, so that a Python process can
// play Maya (tests/window: the Batch Render window under real Qt). It does what maya_host does
// for its scripts - load the plug-in as Maya does, run its commands, fire its timer
// callbacks, open a scene and edit its nodes - and hands results and Script Editor messages
// back as JSON. The Python side (tests/window/maya_standin/maya/cmds.py) turns
// `cmds.brmSubmit(frames="1-3")` into msh_run("brmSubmit", ["-frames", "1-3"]) and pumps the
// timers from the Qt event loop, as Maya's idle loop does.
//
// Not thread-safe, like Maya's API: call it from one (the GUI) thread. Strings returned stay
// valid until the next call of the same function.

#include <maya/MFileIO.h>
#include <maya/MObject.h>
#include <maya/MStatus.h>
#include <maya/MString.h>

#include "MStandinHost.h"
#include "PluginLoader.h"

#include <clocale>
#include <cstdio>
#include <string>
#include <vector>

#define MSH_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct Message {
    MStandinHost::MsgKind kind;
    std::string text;
};

std::vector<Message> g_msgs;
Plugin g_plugin;
bool g_loaded = false;
std::string g_error, g_buf1, g_buf2, g_buf3;

void sink(MStandinHost::MsgKind kind, const std::string& text) { g_msgs.push_back(Message{kind, text}); }

std::string js(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += (char)c;
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += (char)c;
        }
    }
    return o + "\"";
}

std::string list(const std::vector<std::string>& v)
{
    std::string o = "[";
    for (size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + js(v[i]);
    return o + "]";
}

int edited(bool ok, const std::string& err)
{
    g_error = ok ? "" : err;
    return ok ? 1 : 0;
}

}  // namespace

/// Start "Maya": the user's locale (as Maya does) and the Script Editor sink.
MSH_EXPORT void msh_init()
{
    std::setlocale(LC_ALL, "");
    MStandinHost::setMessageSink(sink);
}

MSH_EXPORT const char* msh_last_error() { return g_error.c_str(); }

/// Load the plug-in like Maya's loadPlugin. 1 on success; otherwise msh_last_error says why.
MSH_EXPORT int msh_load_plugin(const char* path)
{
    if (g_loaded) return 1;
    g_plugin = Plugin();
    g_plugin.path = path ? path : "";
    if (!loadPlugin(g_plugin, g_error)) return 0;
    if (!g_plugin.init(MStandinHost::pluginObject(g_plugin.path))) {
        g_error = "initializePlugin failed for " + g_plugin.path;
        return 0;
    }
    g_loaded = true;
    return 1;
}

/// unloadPlugin: 1 when uninitializePlugin succeeded and left no command or callback behind.
MSH_EXPORT int msh_unload_plugin()
{
    if (!g_loaded) return 1;
    bool ok = (bool)g_plugin.uninit(MStandinHost::pluginObject(g_plugin.path));
    g_loaded = false;
    std::vector<std::string> left = MStandinHost::registeredCommands();
    if (!ok || !left.empty() || MStandinHost::timerCount() != 0) {
        g_error = "uninitializePlugin " + std::string(ok ? "left commands or timers behind" : "failed");
        return 0;
    }
    return 1;
}

/// The plug-in's registered commands, as a JSON list.
MSH_EXPORT const char* msh_commands_json()
{
    g_buf1 = list(MStandinHost::registeredCommands());
    return g_buf1.c_str();
}

/// Run a command. kinds: 0 int, 1 double, 2 string, 3 flag (MStandinHost::Arg::Kind). 1 ok.
MSH_EXPORT int msh_run(const char* name, int argc, const int* kinds, const char* const* texts)
{
    std::vector<MStandinHost::Arg> args;
    for (int i = 0; i < argc; ++i)
        args.push_back(MStandinHost::Arg{static_cast<MStandinHost::Arg::Kind>(kinds[i]), texts[i]});
    return MStandinHost::runCommand(name ? name : "", args) ? 1 : 0;
}

MSH_EXPORT const char* msh_result_json()
{
    g_buf2 = MStandinHost::resultJson();
    return g_buf2.c_str();
}

/// Script Editor messages since the last call: [["info"|"warning"|"error", text], ...].
MSH_EXPORT const char* msh_take_messages_json()
{
    std::string o = "[";
    for (size_t i = 0; i < g_msgs.size(); ++i) {
        const char* k = g_msgs[i].kind == MStandinHost::MsgKind::Error     ? "error"
                        : g_msgs[i].kind == MStandinHost::MsgKind::Warning ? "warning"
                                                                           : "info";
        o += std::string(i ? "," : "") + "[\"" + k + "\"," + js(g_msgs[i].text) + "]";
    }
    g_msgs.clear();
    g_buf3 = o + "]";
    return g_buf3.c_str();
}

/// Maya's idle loop: fire every timer callback once. Returns how many ran.
MSH_EXPORT int msh_fire_timers(float elapsedSeconds) { return (int)MStandinHost::fireTimers(elapsedSeconds); }
MSH_EXPORT int msh_timer_count() { return (int)MStandinHost::timerCount(); }

/// Open a scene ("" = File > New): the current file and its nodes.
MSH_EXPORT void msh_open_scene(const char* path) { MStandinHost::setCurrentFile(path ? path : ""); }
MSH_EXPORT const char* msh_current_file()
{
    g_buf1 = MStandinHost::currentFile();
    return g_buf1.c_str();
}
/// File > Save Scene As (through MFileIO, as Maya's file -save does). 1 ok.
MSH_EXPORT int msh_save_as(const char* path)
{
    MString p;
    p.setUTF8(path ? path : "");
    return MFileIO::saveAs(p, nullptr, false) ? 1 : 0;
}
MSH_EXPORT const char* msh_file_trace_json()
{
    g_buf1 = list(MStandinHost::fileTrace());
    return g_buf1.c_str();
}

MSH_EXPORT int msh_create_node(const char* type, const char* name)
{
    std::string err;
    return edited(MStandinHost::createNode(type ? type : "", name ? name : "", err), err);
}
MSH_EXPORT int msh_set_attr(const char* plug, const char* value)
{
    std::string err;
    return edited(MStandinHost::setAttr(plug ? plug : "", value ? value : "", err), err);
}
MSH_EXPORT const char* msh_get_attr(const char* plug)
{
    g_buf1 = MStandinHost::getAttr(plug ? plug : "");
    return g_buf1.c_str();
}
MSH_EXPORT int msh_connect_attr(const char* src, const char* dst)
{
    std::string err;
    return edited(MStandinHost::connectAttr(src ? src : "", dst ? dst : "", err), err);
}
MSH_EXPORT int msh_delete_node(const char* name)
{
    std::string err;
    return edited(MStandinHost::deleteNode(name ? name : "", err), err);
}
MSH_EXPORT int msh_rename_node(const char* from, const char* to)
{
    std::string err;
    return edited(MStandinHost::renameNode(from ? from : "", to ? to : "", err), err);
}
MSH_EXPORT const char* msh_list_nodes_json(const char* type)
{
    g_buf1 = list(MStandinHost::listNodes(type ? type : ""));
    return g_buf1.c_str();
}
