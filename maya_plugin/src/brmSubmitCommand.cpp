#include "brmSubmitCommand.h"

#include "brmClient.h"
#include "brmJson.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MArgList.h>
#include <maya/MFileIO.h>
#include <maya/MGlobal.h>

#include <string>
#include <vector>

namespace brm_maya {

namespace {
const char* const kLayerFlag = "-l";
const char* const kLayerFlagLong = "-layer";
const char* const kFramesFlag = "-f";
const char* const kFramesFlagLong = "-frames";
const char* const kGpuFlag = "-g";
const char* const kGpuFlagLong = "-gpu";
const char* const kMethodFlag = "-m";
const char* const kMethodFlagLong = "-method";
const char* const kRendererFlag = "-r";
const char* const kRendererFlagLong = "-renderer";
const char* const kCameraFlag = "-cam";
const char* const kCameraFlagLong = "-camera";
const char* const kOutputFlag = "-od";
const char* const kOutputFlagLong = "-outputDir";
const char* const kChunkFlag = "-ch";
const char* const kChunkFlagLong = "-chunk";
const char* const kPriorityFlag = "-pri";
const char* const kPriorityFlagLong = "-priority";
const char* const kNameFlag = "-n";
const char* const kNameFlagLong = "-name";
const char* const kOrderFlag = "-ord";
const char* const kOrderFlagLong = "-order";
const char* const kTimeoutFlag = "-to";
const char* const kTimeoutFlagLong = "-timeout";
const char* const kStallFlag = "-sto";
const char* const kStallFlagLong = "-stallTimeout";
// Issue 13: never render in a warm session (brm_job_spec_set_cold).
const char* const kColdFlag = "-cld";
const char* const kColdFlagLong = "-cold";
const char* const kSceneFlag = "-s";
const char* const kSceneFlagLong = "-scene";
const char* const kCmd = "brmSubmit";

struct JobSpec {
    brm_job_spec* p = nullptr;
    JobSpec() = default;
    JobSpec(const JobSpec&) = delete;
    JobSpec& operator=(const JobSpec&) = delete;
    ~JobSpec() { brm_job_spec_free(p); }
};

std::string baseName(const std::string& p)
{
    size_t s = p.find_last_of("/\\");
    return s == std::string::npos ? p : p.substr(s + 1);
}

bool endsWith(const std::string& s, const char* suffix)
{
    std::string x(suffix);
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

// Apply a string flag through a spec setter; reports the library's message on failure.
MStatus setString(const MArgDatabase& db, const char* flag, const char* what, brm_job_spec* spec,
                  brm_result (*setter)(brm_job_spec*, const char*))
{
    if (!db.isFlagSet(flag)) return MS::kSuccess;
    MString value;
    db.getFlagArgument(flag, 0, value);
    std::string text = fromM(value);
    brm_result r = setter(spec, text.c_str());
    if (r != BRM_OK) return failLib(kCmd, std::string("invalid ") + what + " \"" + text + "\"", r);
    return MS::kSuccess;
}
}  // namespace

const MString BrmSubmitCommand::commandName("brmSubmit");

void* BrmSubmitCommand::creator() { return new BrmSubmitCommand(); }

MSyntax BrmSubmitCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addFlag(kLayerFlag, kLayerFlagLong, MSyntax::kString);
    syntax.makeFlagMultiUse(kLayerFlag);
    syntax.addFlag(kFramesFlag, kFramesFlagLong, MSyntax::kString);
    syntax.addFlag(kGpuFlag, kGpuFlagLong, MSyntax::kString);
    syntax.addFlag(kMethodFlag, kMethodFlagLong, MSyntax::kString);
    syntax.addFlag(kRendererFlag, kRendererFlagLong, MSyntax::kString);
    syntax.addFlag(kCameraFlag, kCameraFlagLong, MSyntax::kString);
    syntax.addFlag(kOutputFlag, kOutputFlagLong, MSyntax::kString);
    syntax.addFlag(kChunkFlag, kChunkFlagLong, MSyntax::kLong);
    syntax.addFlag(kPriorityFlag, kPriorityFlagLong, MSyntax::kLong);
    syntax.addFlag(kNameFlag, kNameFlagLong, MSyntax::kString);
    syntax.addFlag(kOrderFlag, kOrderFlagLong, MSyntax::kString);
    syntax.addFlag(kTimeoutFlag, kTimeoutFlagLong, MSyntax::kLong);
    syntax.addFlag(kStallFlag, kStallFlagLong, MSyntax::kLong);
    syntax.addFlag(kSceneFlag, kSceneFlagLong, MSyntax::kString);
    syntax.addFlag("-fa", "-farm", MSyntax::kString);          // farm engine (issue 10)
    syntax.addFlag("-fo", "-farmOptions", MSyntax::kString);   // farm options as JSON
    syntax.addFlag(kColdFlag, kColdFlagLong);
    return syntax;
}

MStatus BrmSubmitCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        JobSpec spec;
        brm_result r = brm_job_spec_new(&spec.p);
        if (r != BRM_OK) return failLib(kCmd, "cannot create a job", r);

        // Validate every option before touching the scene, so a typo costs no export.
        struct StringOption {
            const char* flag;
            const char* what;
            brm_result (*setter)(brm_job_spec*, const char*);
        };
        const StringOption options[] = {
            {kFramesFlag, "frame set", brm_job_spec_set_frames},
            {kGpuFlag, "GPU choice (auto, cpu, 1, 1,2 or a GPU UUID)", brm_job_spec_set_gpu},
            {kMethodFlag, "method (auto, mayapy-custom, render, mayapy-basic)", brm_job_spec_set_method},
            {kRendererFlag, "renderer", brm_job_spec_set_renderer},
            {kCameraFlag, "camera", brm_job_spec_set_camera},
            {kOutputFlag, "output directory", brm_job_spec_set_output_dir},
            {kNameFlag, "job name", brm_job_spec_set_name},
            {kOrderFlag, "order (sequential, interleaved)", brm_job_spec_set_order},
        };
        for (const StringOption& o : options) {
            status = setString(db, o.flag, o.what, spec.p, o.setter);
            if (!status) return status;
        }
        // Layers: none given = every renderable layer of the scene (the engine decides).
        unsigned int layerUses = db.numberOfFlagUses(kLayerFlag);
        for (unsigned int i = 0; i < layerUses; ++i) {
            MArgList use;
            db.getFlagArgumentList(kLayerFlag, i, use);
            MString layer = use.asString(0);
            r = brm_job_spec_add_layer(spec.p, fromM(layer).c_str());
            if (r != BRM_OK) return failLib(kCmd, "invalid layer \"" + fromM(layer) + "\"", r);
        }
        if (db.isFlagSet(kChunkFlag)) {
            int chunk = 0;
            db.getFlagArgument(kChunkFlag, 0, chunk);
            if (chunk < 1) return fail(kCmd, "-chunk must be 1 or more frames, got " + std::to_string(chunk));
            r = brm_job_spec_set_chunk_size(spec.p, (uint32_t)chunk);
            if (r != BRM_OK) return failLib(kCmd, "invalid chunk size", r);
        }
        if (db.isFlagSet(kPriorityFlag)) {
            int priority = 0;
            db.getFlagArgument(kPriorityFlag, 0, priority);
            r = brm_job_spec_set_priority(spec.p, priority);
            if (r != BRM_OK) return failLib(kCmd, "invalid priority", r);
        }
        if (db.isFlagSet(kTimeoutFlag) || db.isFlagSet(kStallFlag)) {
            int task = 0, stall = 0;
            if (db.isFlagSet(kTimeoutFlag)) db.getFlagArgument(kTimeoutFlag, 0, task);
            if (db.isFlagSet(kStallFlag)) db.getFlagArgument(kStallFlag, 0, stall);
            if (task < 0 || stall < 0) return fail(kCmd, "timeouts are seconds, 0 (none) or more");
            r = brm_job_spec_set_timeouts(spec.p, (uint64_t)task, (uint64_t)stall);
            if (r != BRM_OK) return failLib(kCmd, "invalid timeouts", r);
        }

        if (db.isFlagSet(kColdFlag)) {
            r = brm_job_spec_set_cold(spec.p, 1);
            if (r != BRM_OK) return failLib(kCmd, "cannot set -cold", r);
        }

        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;

        // The scene: an explicit file as is, or a snapshot of the open scene. exportAll writes
        // a copy and leaves the open scene, its name and its modified state alone (saveAs
        // would rename the artist's scene).
        std::string current = fromM(MFileIO::currentFile());
        std::string scene;
        if (db.isFlagSet(kSceneFlag)) {
            MString s;
            db.getFlagArgument(kSceneFlag, 0, s);
            scene = fromM(s);
            r = brm_job_spec_set_source_scene(spec.p, scene.c_str());
            if (r != BRM_OK) return failLib(kCmd, "invalid scene path", r);
        } else {
            std::string name = current.empty() ? std::string("untitled.ma") : baseName(current);
            if (!endsWith(name, ".ma") && !endsWith(name, ".mb")) name += ".ma";
            OwnedString snapshot;
            r = brm_scene_snapshot_path(name.c_str(), &snapshot.p);
            if (r != BRM_OK) return failLib(kCmd, "cannot reserve a snapshot file", r);
            scene = snapshot.str();
            const char* type = endsWith(scene, ".mb") ? "mayaBinary" : "mayaAscii";
            // Keep references as references: the render loads the same referenced files.
            status = MFileIO::exportAll(toM(scene), type, true);
            if (!status) return fail(kCmd, "exporting the scene to \"" + scene + "\" failed; check disk space "
                                           "and permissions of the brm snapshot folder");
            if (!current.empty()) {
                r = brm_job_spec_set_source_scene(spec.p, current.c_str());
                if (r != BRM_OK) return failLib(kCmd, "invalid scene path", r);
            }
        }
        r = brm_job_spec_set_scene(spec.p, scene.c_str());
        if (r != BRM_OK) return failLib(kCmd, "invalid scene \"" + scene + "\"", r);

        // The farm hand-off: `-farm slurm|deadline|opencue|openjd [-farmOptions JSON]` writes
        // the farm job (the snapshot copied to the shared scene folder) and submits it to the
        // engine instead of the agent. Result: the farm job id ("farm-N").
        if (db.isFlagSet("-farm")) {
            MString engine, options;
            db.getFlagArgument("-farm", 0, engine);
            if (db.isFlagSet("-farmOptions")) db.getFlagArgument("-farmOptions", 0, options);
            std::string opts = fromM(options);
            OwnedString out;
            r = brm_farm_submit_json(spec.p, fromM(engine).c_str(), opts.empty() ? nullptr : opts.c_str(), &out.p);
            if (r != BRM_OK) return failLib(kCmd, "the farm job was not submitted", r);
            JsonValue v;
            std::string err;
            if (!parseJson(out.str(), v, err)) return fail(kCmd, "unreadable farm submit reply: " + err);
            std::string farmId = v["id"].str();
            for (size_t i = 0; i < v["warnings"].size(); ++i)
                MGlobal::displayWarning(toM("brm: " + v["warnings"][i].str()));
            MGlobal::displayInfo(toM("brm: farm job " + farmId + " (" + v["name"].str() + ")" + (v["submitted"].text() == "true" ? " submitted to " : " written for ") +
                                     fromM(engine) + " (" + v["job_file"].str() + "); follow it with: brm farm status " + farmId));
            setResult(toM(farmId));
            return MS::kSuccess;
        }
        uint64_t id = 0;
        r = brm_submit(c, spec.p, &id);
        if (r != BRM_OK) return failLib(kCmd, "the job was not submitted", r);
        MString idText = jobIdString(id);
        MGlobal::displayInfo("brm: submitted job " + idText + " (" + toM(baseName(current.empty() ? scene : current)) +
                             "); follow it with: brmWatch \"" + idText + "\"");
        setResult(idText);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
