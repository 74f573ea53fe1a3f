// brmFrames: expand, count or compact a frame-set spec ("1-100x5", "1,10-20", "10-1") with libbrm's parser.
#pragma once

#include <maya/MPxCommand.h>
#include <maya/MString.h>
#include <maya/MSyntax.h>

namespace brm_maya {

class BrmFramesCommand : public MPxCommand
{
public:
    static const MString commandName;
    static void* creator();
    static MSyntax createSyntax();

    MStatus doIt(const MArgList& args) override;
    bool isUndoable() const override { return false; }

};

}  // namespace brm_maya
