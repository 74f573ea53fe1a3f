// brmRetry: retry the frames of a job that did not finish.
#pragma once

#include <maya/MPxCommand.h>
#include <maya/MString.h>
#include <maya/MSyntax.h>

namespace brm_maya {

class BrmRetryCommand : public MPxCommand
{
public:
    static const MString commandName;
    static void* creator();
    static MSyntax createSyntax();

    MStatus doIt(const MArgList& args) override;
    bool isUndoable() const override { return false; }

};

}  // namespace brm_maya
