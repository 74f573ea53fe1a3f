// brmLayers: the render layers of the current scene file (or of a given scene file).
#pragma once

#include <maya/MPxCommand.h>
#include <maya/MString.h>
#include <maya/MSyntax.h>

namespace brm_maya {

class BrmLayersCommand : public MPxCommand
{
public:
    static const MString commandName;
    static void* creator();
    static MSyntax createSyntax();

    MStatus doIt(const MArgList& args) override;
    bool isUndoable() const override { return false; }

};

}  // namespace brm_maya
