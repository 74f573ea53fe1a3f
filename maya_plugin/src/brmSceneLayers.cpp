#include "brmSceneLayers.h"

#include "brmUtil.h"

#include <maya/MFn.h>
#include <maya/MFnDependencyNode.h>
#include <maya/MItDependencyNodes.h>
#include <maya/MPlug.h>
#include <maya/MPlugArray.h>
#include <maya/MTime.h>

#include <string>

namespace brm_maya {

namespace {

// The nodes connected to `node.attr`, as destinations (fromSource=false: the nodes fed by it)
// or sources.
std::vector<MObject> linked(const MFnDependencyNode& node, const char* attr, bool asSrc)
{
    std::vector<MObject> out;
    MStatus st;
    MPlug p = node.findPlug(attr, true, &st);
    MPlugArray arr;
    if (st && p.connectedTo(arr, !asSrc, asSrc))
        for (unsigned int i = 0; i < arr.length(); ++i) out.push_back(arr[i].node());
    return out;
}

double frames(const MPlug& p) { return p.asMTime().as(MTime::uiUnit()); }

MObject nodeNamed(const std::string& name)
{
    for (MItDependencyNodes it; !it.isDone(); it.next()) {
        MFnDependencyNode fn(it.thisNode());
        if (fromM(fn.name()) == name) return it.thisNode();
    }
    return MObject();
}

// Render Setup keeps a layer's frame range as overrides in its render settings collection:
// renderSetupLayer.listItems -> renderSettingsCollection.parentList, and in that (or a child)
// collection, collection.listItems -> absUniqueOverride / relUniqueOverride.parentList with
// .attribute "startFrame"/"endFrame" on .targetNodeName "defaultRenderGlobals". An absolute
// override sets .attrValue; a relative one gives scene value * .multiply + .offset.
void frameOverrides(const MFnDependencyNode& setupLayer, SceneLayer& l)
{
    MObject globals = nodeNamed("defaultRenderGlobals");
    std::vector<MObject> collections = linked(setupLayer, "listItems", true);
    for (size_t i = 0; i < collections.size(); ++i) {
        MFnDependencyNode col(collections[i]);
        std::string type = fromM(col.typeName());
        if (type != "renderSettingsCollection" && type != "renderSettingsChildCollection") continue;
        MStatus st;
        MPlug enabled = col.findPlug("enabled", true, &st);
        if (st && !enabled.asBool()) continue;
        for (const MObject& o : linked(col, "listItems", true)) {
            MFnDependencyNode ov(o);
            std::string otype = fromM(ov.typeName());
            if (otype == "renderSettingsChildCollection") {
                collections.push_back(o);
                continue;
            }
            if (otype != "absUniqueOverride" && otype != "relUniqueOverride") continue;
            MPlug on = ov.findPlug("enabled", true, &st);
            if (st && !on.asBool()) continue;
            std::string attr = fromM(ov.findPlug("attribute", true).asString());
            if (fromM(ov.findPlug("targetNodeName", true).asString()) != "defaultRenderGlobals") continue;
            if (attr != "startFrame" && attr != "endFrame") continue;
            double v = 0;
            if (otype == "absUniqueOverride") {
                v = frames(ov.findPlug("attrValue", true));
            } else {
                if (globals.isNull()) continue;
                double base = frames(MFnDependencyNode(globals).findPlug(attr.c_str(), true));
                v = base * ov.findPlug("multiply", true).asDouble() + frames(ov.findPlug("offset", true));
            }
            if (attr == "startFrame") {
                l.hasStart = true;
                l.start = v;
            } else {
                l.hasEnd = true;
                l.end = v;
            }
        }
    }
}

}  // namespace

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
                    frameOverrides(owner, l);
                    break;
                }
            }
        }
        out.push_back(l);
    }
    return out;
}

}  // namespace brm_maya
