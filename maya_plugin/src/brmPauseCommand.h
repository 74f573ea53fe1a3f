// brmPause: pause a job (no new renders start) or resume it (-resume).
#pragma once

#include <maya/MPxCommand.h>
#include <maya/MString.h>
#include <maya/MSyntax.h>

namespace brm_maya {

class BrmPauseCommand : public MPxCommand
{
public:
    static const MString commandName;
    static void* creator();
    static MSyntax createSyntax();

    MStatus doIt(const MArgList& args) override;
    bool isUndoable() const override { return false; }

};

}  // namespace brm_maya
