// Host-side control of the stand-in Maya runtime (NOT part of the Maya API).
//
// The host program (maya_host) plays Maya's role: it sets the "current scene", loads a plug-in,
// runs registered commands with MEL-like argument lists, fires timer callbacks as Maya's idle
// loop would, and reads back results, messages and file operations for the tests.
#pragma once

#include <maya/MObject.h>
#include <maya/MTypes.h>

#include <string>
#include <vector>

namespace MStandinHost {

enum class MsgKind { Info, Warning, Error };
typedef void (*MessageSink)(MsgKind kind, const std::string& text);

/// One argument as Maya's parser would type it: an unquoted number is numeric, a quoted
/// token is a string, an unquoted `-name` is a flag (kept as text).
struct Arg {
    enum Kind { Int, Double, String, Flag } kind;
    std::string text;
};

OPENMAYA_EXPORT void setMessageSink(MessageSink sink);
OPENMAYA_EXPORT void setCurrentFile(const std::string& path);
OPENMAYA_EXPORT std::string currentFile();
/// "exportAll <path> type=<t> preserveReferences=<0|1>", "saveAs <path>", ... in call order.
OPENMAYA_EXPORT const std::vector<std::string>& fileTrace();

/// The MObject Maya passes to initializePlugin/uninitializePlugin for the plug-in at `path`.
OPENMAYA_EXPORT MObject pluginObject(const std::string& path);
OPENMAYA_EXPORT std::vector<std::string> registeredCommands();

/// Run a registered command. Returns false when it is unknown or its doIt failed.
OPENMAYA_EXPORT bool runCommand(const std::string& name, const std::vector<Arg>& args);
/// The last command's result as text: "" (none), 5, 1.5, true, "text", [1, 2], ["a", "b"].
OPENMAYA_EXPORT std::string formatResult();
/// The last result as JSON: null, 5, 1.5, true, "text", [1, 2], ["a", "b"].
OPENMAYA_EXPORT std::string resultJson();
/// The last result as plain text for host variables (string, number; arrays space-joined).
OPENMAYA_EXPORT std::string resultText();

/// The open scene's dependency graph (render layer nodes; DependGraph.cpp). setCurrentFile
/// loads it from the file, as opening a scene does; these edit it in memory only, like the
/// MEL commands of the same names. Errors are Maya's messages.
OPENMAYA_EXPORT void openSceneNodes(const std::string& path);
OPENMAYA_EXPORT bool createNode(const std::string& type, const std::string& name, std::string& err);
OPENMAYA_EXPORT bool setAttr(const std::string& plug, const std::string& value, std::string& err);
OPENMAYA_EXPORT std::string getAttr(const std::string& plug);
OPENMAYA_EXPORT bool connectAttr(const std::string& src, const std::string& dst, std::string& err);
OPENMAYA_EXPORT bool deleteNode(const std::string& name, std::string& err);
OPENMAYA_EXPORT bool renameNode(const std::string& from, const std::string& to, std::string& err);
/// Nodes of a type ("" all), in creation order.
OPENMAYA_EXPORT std::vector<std::string> listNodes(const std::string& type);
/// The scene in memory as a .ma: the file's text with the edits since it was opened
/// (exportAll and save write this).
OPENMAYA_EXPORT std::string sceneInMemory(const std::string& fileText);

/// Fire every registered timer callback once (in registration order). Returns how many ran.
OPENMAYA_EXPORT size_t fireTimers(float elapsedSeconds);
OPENMAYA_EXPORT size_t timerCount();

}  // namespace MStandinHost
