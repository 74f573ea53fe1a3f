// The brm Maya plug-in: registers the brm* commands (also maya.cmds.brm*).
//
// At load it checks that the libbrm it runs with implements the C ABI it was compiled
// against (brm_abi_version() == BRM_ABI_VERSION) and refuses to load otherwise, so a stale
// library never receives calls with the wrong struct layouts.

#include "brm.h"
#include "brmUtil.h"

#include "brmFramesCommand.h"
#include "brmInfoCommand.h"
#include "brmLayersCommand.h"
#if BRM_HAVE_JOBS
#include "brmCancelCommand.h"
#include "brmClient.h"
#include "brmJobCommand.h"
#include "brmJobsCommand.h"
#include "brmLogCommand.h"
#include "brmPauseCommand.h"
#include "brmRetryCommand.h"
#include "brmSubmitCommand.h"
#include "brmWatchCommand.h"
#endif

#include <maya/MFnPlugin.h>
#include <maya/MGlobal.h>
#include <maya/MObject.h>
#include <maya/MStatus.h>

#include <string>

#ifndef BRM_PLUGIN_VERSION
#define BRM_PLUGIN_VERSION "0.0.0"
#endif

// Tests build a variant with a skew to prove a mismatched library is refused.
#ifndef BRM_TEST_ABI_SKEW
#define BRM_TEST_ABI_SKEW 0
#endif

namespace {

struct CommandDef {
    const MString& name;
    MCreatorFunction creator;
    MCreateSyntaxFunction syntax;
};

const CommandDef kCommands[] = {
    {brm_maya::BrmInfoCommand::commandName, brm_maya::BrmInfoCommand::creator, brm_maya::BrmInfoCommand::createSyntax},
    {brm_maya::BrmFramesCommand::commandName, brm_maya::BrmFramesCommand::creator,
     brm_maya::BrmFramesCommand::createSyntax},
    {brm_maya::BrmLayersCommand::commandName, brm_maya::BrmLayersCommand::creator,
     brm_maya::BrmLayersCommand::createSyntax},
#if BRM_HAVE_JOBS
    {brm_maya::BrmSubmitCommand::commandName, brm_maya::BrmSubmitCommand::creator,
     brm_maya::BrmSubmitCommand::createSyntax},
    {brm_maya::BrmJobsCommand::commandName, brm_maya::BrmJobsCommand::creator, brm_maya::BrmJobsCommand::createSyntax},
    {brm_maya::BrmJobCommand::commandName, brm_maya::BrmJobCommand::creator, brm_maya::BrmJobCommand::createSyntax},
    {brm_maya::BrmLogCommand::commandName, brm_maya::BrmLogCommand::creator, brm_maya::BrmLogCommand::createSyntax},
    {brm_maya::BrmWatchCommand::commandName, brm_maya::BrmWatchCommand::creator,
     brm_maya::BrmWatchCommand::createSyntax},
    {brm_maya::BrmCancelCommand::commandName, brm_maya::BrmCancelCommand::creator,
     brm_maya::BrmCancelCommand::createSyntax},
    {brm_maya::BrmRetryCommand::commandName, brm_maya::BrmRetryCommand::creator,
     brm_maya::BrmRetryCommand::createSyntax},
    {brm_maya::BrmPauseCommand::commandName, brm_maya::BrmPauseCommand::creator,
     brm_maya::BrmPauseCommand::createSyntax},
#endif
};

}  // namespace

PLUGIN_EXPORT MStatus initializePlugin(MObject obj)
{
    const uint32_t expected = (uint32_t)BRM_ABI_VERSION + (uint32_t)BRM_TEST_ABI_SKEW;
    const uint32_t found = brm_abi_version();
    if (found != expected) {
        MGlobal::displayError(brm_maya::toM(
            "brm: this plug-in needs libbrm C ABI version " + std::to_string(expected) + " but the loaded libbrm " +
            brm_version() + " has ABI version " + std::to_string(found) +
            "; install the plug-in and the library from the same brm release"));
        return MS::kFailure;
    }

    MStatus status;
    MFnPlugin plugin(obj, "brm", BRM_PLUGIN_VERSION, "Any", &status);
    if (!status) return status;
    brm_maya::setPluginLoadPath(brm_maya::fromM(plugin.loadPath()));

    size_t registered = 0;
    for (const CommandDef& c : kCommands) {
        status = plugin.registerCommand(c.name, c.creator, c.syntax);
        if (!status) {
            MGlobal::displayError("brm: cannot register the command " + c.name + " (" + status.errorString() +
                                  "); is another plug-in using that name?");
            for (size_t i = 0; i < registered; ++i) plugin.deregisterCommand(kCommands[i].name);
            return status;
        }
        ++registered;
    }
    return MS::kSuccess;
}

PLUGIN_EXPORT MStatus uninitializePlugin(MObject obj)
{
    MFnPlugin plugin(obj);
    MStatus result = MS::kSuccess;
#if BRM_HAVE_JOBS
    // Maya requires callbacks to be removed before the code they point to is unloaded.
    brm_maya::BrmWatchCommand::stopAll();
#endif
    for (const CommandDef& c : kCommands) {
        MStatus s = plugin.deregisterCommand(c.name);
        if (!s) {
            MGlobal::displayError("brm: cannot deregister the command " + c.name);
            result = s;
        }
    }
#if BRM_HAVE_JOBS
    brm_maya::releaseClient();  // renders keep running in the agent
#endif
    brm_shutdown();
    return result;
}
