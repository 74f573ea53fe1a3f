// brmWatch: follow a job in the Script Editor: an MTimerMessage callback prints new log lines
// as they arrive and a final status line, without blocking Maya's main thread.
#pragma once

#include <maya/MPxCommand.h>
#include <maya/MString.h>
#include <maya/MSyntax.h>

namespace brm_maya {

class BrmWatchCommand : public MPxCommand
{
public:
    static const MString commandName;
    static void* creator();
    static MSyntax createSyntax();

    MStatus doIt(const MArgList& args) override;
    bool isUndoable() const override { return false; }

    /// Remove every watch timer (called from uninitializePlugin: Maya requires a plug-in to
    /// remove its callbacks before it is unloaded).
    static void stopAll();
};

}  // namespace brm_maya
