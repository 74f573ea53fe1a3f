#include "brmCancelCommand.h"

#include "brmClient.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MGlobal.h>

namespace brm_maya {

namespace {
const char* const kGraceFlag = "-g";
const char* const kGraceFlagLong = "-grace";
const char* const kCmd = "brmCancel";
// Short by default: the agent escalates to KILL itself; Maya's main thread must not wait long.
const int kDefaultGraceMs = 2000;
}  // namespace

const MString BrmCancelCommand::commandName("brmCancel");

void* BrmCancelCommand::creator() { return new BrmCancelCommand(); }

MSyntax BrmCancelCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addArg(MSyntax::kString);  // job id
    syntax.addFlag(kGraceFlag, kGraceFlagLong, MSyntax::kLong);
    return syntax;
}

MStatus BrmCancelCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        uint64_t id = 0;
        if (!jobIdArgument(db, kCmd, id)) return MS::kFailure;
        int grace = kDefaultGraceMs;
        if (db.isFlagSet(kGraceFlag)) db.getFlagArgument(kGraceFlag, 0, grace);
        if (grace < 0 || grace > 60000) return fail(kCmd, "-grace is milliseconds between 0 and 60000");

        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;
        brm_result r = brm_cancel(c, id, (uint32_t)grace);
        if (r != BRM_OK) return failLib(kCmd, "cannot cancel job " + fromM(jobIdString(id)), r);
        // Cancel is idempotent; say what the job is now (a finished job stays as it was).
        brm_job_info info = brm_job_info();
        info.struct_size = sizeof(brm_job_info);
        if (brm_job_status(c, id, &info) == BRM_OK && stateIsFinal(info.state))
            MGlobal::displayInfo(toM("brm: job " + fromM(jobIdString(id)) + " is " + stateName(info.state)));
        else
            MGlobal::displayInfo(toM("brm: cancelling job " + fromM(jobIdString(id)) + "; its renders are being stopped"));
        setResult(true);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
