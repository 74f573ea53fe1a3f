#include "brmLayersCommand.h"

#include "brmJson.h"
#include "brmSceneLayers.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MFileIO.h>
#include <maya/MStringArray.h>

#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <utility>

namespace brm_maya {

namespace {
const char* const kRenderableFlag = "-r";
const char* const kRenderableFlagLong = "-renderable";
const char* const kNodesFlag = "-n";
const char* const kNodesFlagLong = "-nodes";
const char* const kJsonFlag = "-js";
const char* const kJsonFlagLong = "-json";
const char* const kRangesFlag = "-fr";
const char* const kRangesFlagLong = "-frameRanges";
const char* const kCmd = "brmLayers";

std::string number(const JsonValue& v) { return v.isNumber() ? v.text() : "null"; }

std::string num(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// -json for the open scene: the live layers with their frame overrides (Maya's nodes, unsaved
// edits included), "saved" (the layer is in the saved file too), plus what libbrm reads from
// the saved file ("file", null when never saved).
std::string liveLayersJson(const std::vector<SceneLayer>& layers, const std::string& scene)
{
    std::string fileJson = "null";
    std::map<std::string, std::pair<std::string, std::string>> frames;  // node -> start, end
    struct stat st;
    if (!scene.empty() && stat(scene.c_str(), &st) == 0) {
        OwnedString info;
        if (brm_scene_inspect_json(scene.c_str(), &info.p) == BRM_OK) {
            fileJson = info.str();
            JsonValue doc;
            std::string err;
            if (parseJson(fileJson, doc, err)) {
                const JsonValue& fl = doc["layers"];
                for (size_t i = 0; i < fl.size(); ++i)
                    frames[fl[i]["node"].text()] = {number(fl[i]["start_frame"]), number(fl[i]["end_frame"])};
            }
        }
    }
    std::string o = "{\"schema\":1,\"source\":\"maya\",\"scene\":" + jsonQuote(scene) + ",\"layers\":[";
    for (size_t i = 0; i < layers.size(); ++i) {
        const SceneLayer& l = layers[i];
        auto f = frames.find(l.node);
        bool saved = f != frames.end();
        o += std::string(i ? "," : "") + "{\"name\":" + jsonQuote(l.name) + ",\"node\":" + jsonQuote(l.node) +
             ",\"renderable\":" + (l.renderable ? "true" : "false") +
             ",\"start_frame\":" + (l.hasStart ? num(l.start) : "null") +
             ",\"end_frame\":" + (l.hasEnd ? num(l.end) : "null") + ",\"saved\":" + (saved ? "true" : "false") + "}";
    }
    return o + "],\"file\":" + fileJson + "}";
}
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
    syntax.addFlag(kRangesFlag, kRangesFlagLong);
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
        bool onlyRenderable = db.isFlagSet(kRenderableFlag);
        bool nodes = db.isFlagSet(kNodesFlag);
        bool json = db.isFlagSet(kJsonFlag);
        bool ranges = db.isFlagSet(kRangesFlag);
        MStringArray out;

        if (!objects.length()) {
            // The open scene: its layers as Maya has them now (unsaved edits included).
            std::vector<SceneLayer> layers = openSceneLayers();
            if (json) {
                setResult(toM(liveLayersJson(layers, fromM(MFileIO::currentFile()))));
                return MS::kSuccess;
            }
            for (const SceneLayer& l : layers) {
                if (onlyRenderable && !l.renderable) continue;
                std::string line = nodes ? l.node : l.name;
                // -frameRanges: "<layer>\t<start>\t<end>", empty where the layer keeps the
                // scene's; a cheap walk of Maya's nodes (no file read), for UIs that poll.
                if (ranges) line += "\t" + (l.hasStart ? num(l.start) : "") + "\t" + (l.hasEnd ? num(l.end) : "");
                out.append(toM(line));
            }
            setResult(out);
            return MS::kSuccess;
        }

        // A scene file: what libbrm reads from it.
        std::string scene = fromM(objects[0]);
        OwnedString info;
        brm_result r = brm_scene_inspect_json(scene.c_str(), &info.p);
        if (r != BRM_OK) return failLib(kCmd, "cannot read the layers of \"" + scene + "\"", r);
        if (json) {
            setResult(toM(info.str()));
            return MS::kSuccess;
        }
        JsonValue doc;
        std::string err;
        if (!parseJson(info.str(), doc, err)) return fail(kCmd, "libbrm returned unreadable JSON (" + err + ")");
        const JsonValue& layers = doc["layers"];
        for (size_t i = 0; i < layers.size(); ++i) {
            const JsonValue& l = layers[i];
            if (onlyRenderable && !(l["renderable"].isBool() && l["renderable"].boolean())) continue;
            std::string line = nodes ? l["node"].text() : l["name"].text();
            if (ranges) line += "\t" + l["start_frame"].text() + "\t" + l["end_frame"].text();
            out.append(toM(line));
        }
        setResult(out);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
