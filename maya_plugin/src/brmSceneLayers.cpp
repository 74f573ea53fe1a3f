#include "brmSceneLayers.h"

#include "brmUtil.h"

#include <maya/MFn.h>
#include <maya/MFnDependencyNode.h>
#include <maya/MItDependencyNodes.h>
#include <maya/MPlug.h>
#include <maya/MPlugArray.h>

namespace brm_maya {

std::vector<SceneLayer> openSceneLayers()
{
    // A Render Setup layer "fx" is a renderSetupLayer node driving the legacy renderLayer
    // "rs_fx" (connected rs_fx.message -> fx.legacyRenderLayer); the legacy node holds the
    // renderable flag, and is what Render -rl and the render scripts name.
    std::vector<SceneLayer> out;
    for (MItDependencyNodes it(MFn::kRenderLayer); !it.isDone(); it.next()) {
        MStatus st;
        MFnDependencyNode fn(it.thisNode(), &st);
        if (!st || fn.isFromReferencedFile()) continue;
        SceneLayer l;
        l.node = fromM(fn.name());
        l.name = l.node == "defaultRenderLayer" ? "masterLayer" : l.node;
        MPlug renderable = fn.findPlug("renderable", true, &st);
        l.renderable = st ? renderable.asBool() : true;
        MPlug message = fn.findPlug("message", true, &st);
        MPlugArray targets;
        if (st && message.connectedTo(targets, false, true)) {
            for (unsigned int i = 0; i < targets.length(); ++i) {
                MFnDependencyNode owner(targets[i].node());
                if (fromM(owner.typeName()) == "renderSetupLayer" &&
                    fromM(targets[i].partialName(false, false, false, false, false, true)) == "legacyRenderLayer") {
                    l.name = fromM(owner.name());
                    break;
                }
            }
        }
        out.push_back(l);
    }
    return out;
}

}  // namespace brm_maya
