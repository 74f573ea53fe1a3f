#include "brmJobCommand.h"

#include "brmClient.h"
#include "brmJson.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MIntArray.h>

#include <cmath>
#include <cstddef>

namespace brm_maya {

namespace {
const char* const kStatusFlag = "-st";
const char* const kStatusFlagLong = "-status";
const char* const kProgressFlag = "-p";
const char* const kProgressFlagLong = "-progress";
const char* const kFramesDoneFlag = "-fd";
const char* const kFramesDoneFlagLong = "-framesDone";
const char* const kFramesTotalFlag = "-ft";
const char* const kFramesTotalFlagLong = "-framesTotal";
const char* const kFramesFailedFlag = "-ff";
const char* const kFramesFailedFlagLong = "-framesFailed";
const char* const kTasksFlag = "-t";
const char* const kTasksFlagLong = "-tasks";
const char* const kLogPathFlag = "-lp";
const char* const kLogPathFlagLong = "-logPath";
const char* const kOutputFlag = "-od";
const char* const kOutputFlagLong = "-outputDir";
// Seconds until the job is done; -1 when unknown (nothing measured yet, paused, ended badly).
const char* const kEtaFlag = "-et";
const char* const kEtaFlagLong = "-eta";
const char* const kJsonFlag = "-js";
const char* const kJsonFlagLong = "-json";
const char* const kCmd = "brmJob";

const char* const kQueryFlags[] = {kStatusFlag,      kProgressFlag, kFramesDoneFlag, kFramesTotalFlag,
                                   kFramesFailedFlag, kTasksFlag,    kLogPathFlag,    kOutputFlag,
                                   kJsonFlag,        kEtaFlag};

MStatus setCount(const char* what, uint64_t value)
{
    int n = 0;
    if (!toMayaInt(value, n)) return fail(kCmd, std::string(what) + " does not fit Maya's 32-bit int");
    MPxCommand::setResult(n);
    return MS::kSuccess;
}
}  // namespace

const MString BrmJobCommand::commandName("brmJob");

void* BrmJobCommand::creator() { return new BrmJobCommand(); }

MSyntax BrmJobCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addArg(MSyntax::kString);  // job id
    syntax.enableQuery(true);
    syntax.addFlag(kStatusFlag, kStatusFlagLong);
    syntax.addFlag(kProgressFlag, kProgressFlagLong);
    syntax.addFlag(kFramesDoneFlag, kFramesDoneFlagLong);
    syntax.addFlag(kFramesTotalFlag, kFramesTotalFlagLong);
    syntax.addFlag(kFramesFailedFlag, kFramesFailedFlagLong);
    syntax.addFlag(kTasksFlag, kTasksFlagLong);
    syntax.addFlag(kLogPathFlag, kLogPathFlagLong);
    syntax.addFlag(kOutputFlag, kOutputFlagLong);
    syntax.addFlag(kJsonFlag, kJsonFlagLong);
    syntax.addFlag(kEtaFlag, kEtaFlagLong);
    return syntax;
}

MStatus BrmJobCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        const char* flag = nullptr;
        int flags = 0;
        for (const char* f : kQueryFlags) {
            if (db.isFlagSet(f)) {
                flag = f;
                ++flags;
            }
        }
        if (!db.isQuery() || flags == 0)
            return fail(kCmd, "query one thing with -q, e.g. brmJob -q -status \"12\" (flags: -status, -progress, "
                              "-framesDone, -framesTotal, -framesFailed, -tasks, -logPath, -outputDir, -json, -eta)");
        if (flags > 1) return fail(kCmd, "query one flag at a time");

        uint64_t id = 0;
        if (!jobIdArgument(db, kCmd, id)) return MS::kFailure;
        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;

        const std::string f = flag;
        if (f == kLogPathFlag || f == kOutputFlag || f == kJsonFlag) {
            OwnedString json;
            brm_result r = brm_job_json(c, id, &json.p);
            if (r != BRM_OK) return failLib(kCmd, "cannot read job " + fromM(jobIdString(id)), r);
            if (f == kJsonFlag) {
                setResult(toM(json.str()));
                return MS::kSuccess;
            }
            JsonValue job;
            std::string err;
            if (!parseJson(json.str(), job, err)) return fail(kCmd, "libbrm returned unreadable JSON (" + err + ")");
            setResult(toM(job[f == kLogPathFlag ? "log_path" : "output_dir"].text()));
            return MS::kSuccess;
        }

        brm_job_info info = brm_job_info();
        info.struct_size = sizeof(brm_job_info);
        brm_result r = brm_job_status(c, id, &info);
        if (r != BRM_OK) return failLib(kCmd, "cannot read job " + fromM(jobIdString(id)), r);
        if (f == kStatusFlag) {
            setResult(toM(stateName(info.state)));
        } else if (f == kProgressFlag) {
            // Percent, for progressBar -progress (0-100).
            double p = info.progress < 0 ? 0 : info.progress > 1 ? 1 : info.progress;
            setResult((int)std::floor(p * 100.0 + 1e-9));
        } else if (f == kFramesDoneFlag) {
            return setCount("frames done", info.frames_done);
        } else if (f == kFramesTotalFlag) {
            return setCount("frames total", info.frames_total);
        } else if (f == kFramesFailedFlag) {
            return setCount("frames failed", info.frames_failed);
        } else if (f == kEtaFlag) {
            // A library older than brm_job_info.eta_s fills less of the struct: unknown.
            bool has = info.struct_size >= offsetof(brm_job_info, eta_s) + sizeof(info.eta_s);
            int64_t eta = has ? info.eta_s : -1;
            setResult((int)(eta < 0 ? -1 : eta > 2147483647 ? 2147483647 : eta));
        } else if (f == kTasksFlag) {
            MIntArray tasks;
            tasks.append((int)info.tasks_total);
            tasks.append((int)info.tasks_running);
            tasks.append((int)info.tasks_done);
            tasks.append((int)info.tasks_failed);
            setResult(tasks);
        }
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
