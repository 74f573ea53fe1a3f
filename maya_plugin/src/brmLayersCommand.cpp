#include "brmLayersCommand.h"

#include "brmJson.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MFileIO.h>
#include <maya/MStringArray.h>

#include <sys/stat.h>

namespace brm_maya {

namespace {
const char* const kRenderableFlag = "-r";
const char* const kRenderableFlagLong = "-renderable";
const char* const kNodesFlag = "-n";
const char* const kNodesFlagLong = "-nodes";
const char* const kJsonFlag = "-js";
const char* const kJsonFlagLong = "-json";
const char* const kCmd = "brmLayers";
}  // namespace

const MString BrmLayersCommand::commandName("brmLayers");

void* BrmLayersCommand::creator() { return new BrmLayersCommand(); }

MSyntax BrmLayersCommand::createSyntax()
{
    MSyntax syntax;
    syntax.setObjectType(MSyntax::kStringObjects, 0, 1);  // optional scene file
    syntax.addFlag(kRenderableFlag, kRenderableFlagLong);
    syntax.addFlag(kNodesFlag, kNodesFlagLong);
    syntax.addFlag(kJsonFlag, kJsonFlagLong);
    return syntax;
}

MStatus BrmLayersCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        MStringArray objects;
        db.getObjects(objects);
        std::string scene = objects.length() ? fromM(objects[0]) : fromM(MFileIO::currentFile());
        if (scene.empty())
            return fail(kCmd, "the open scene has never been saved; save it or name a scene file: "
                              "brmLayers \"/path/to/shot.ma\"");
        struct stat st;
        if (!objects.length() && stat(scene.c_str(), &st) != 0)
            return fail(kCmd, "the open scene's file \"" + scene + "\" does not exist (never saved?); save the "
                              "scene or name a scene file: brmLayers \"/path/to/shot.ma\"");

        OwnedString json;
        brm_result r = brm_scene_inspect_json(scene.c_str(), &json.p);
        if (r != BRM_OK) return failLib(kCmd, "cannot read the layers of \"" + scene + "\"", r);
        if (db.isFlagSet(kJsonFlag)) {
            setResult(toM(json.str()));
            return MS::kSuccess;
        }
        JsonValue info;
        std::string err;
        if (!parseJson(json.str(), info, err)) return fail(kCmd, "libbrm returned unreadable JSON (" + err + ")");

        bool onlyRenderable = db.isFlagSet(kRenderableFlag);
        bool nodes = db.isFlagSet(kNodesFlag);
        MStringArray out;
        const JsonValue& layers = info["layers"];
        for (size_t i = 0; i < layers.size(); ++i) {
            const JsonValue& l = layers[i];
            if (onlyRenderable && !(l["renderable"].isBool() && l["renderable"].boolean())) continue;
            out.append(toM(nodes ? l["node"].text() : l["name"].text()));
        }
        setResult(out);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
