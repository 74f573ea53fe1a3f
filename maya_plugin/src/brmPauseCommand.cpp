#include "brmPauseCommand.h"

#include "brmClient.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MGlobal.h>

namespace brm_maya {

namespace {
const char* const kCmd = "brmPause";
const char* const kResumeFlag = "-r";
const char* const kResumeFlagLong = "-resume";
}  // namespace

const MString BrmPauseCommand::commandName("brmPause");

void* BrmPauseCommand::creator() { return new BrmPauseCommand(); }

MSyntax BrmPauseCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addArg(MSyntax::kString);  // job id
    syntax.addFlag(kResumeFlag, kResumeFlagLong);
    return syntax;
}

MStatus BrmPauseCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        uint64_t id = 0;
        if (!jobIdArgument(db, kCmd, id)) return MS::kFailure;
        bool resume = db.isFlagSet(kResumeFlag);
        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;
        uint32_t state = 0;
        brm_result r = resume ? brm_resume(c, id, &state) : brm_pause(c, id, &state);
        std::string job = fromM(jobIdString(id));
        if (r != BRM_OK) return failLib(kCmd, std::string("cannot ") + (resume ? "resume" : "pause") + " job " + job, r);
        // Why say it: a paused job's running renders finish their chunk first, so its state
        // stays "running" until they have; it reads "paused" after that.
        MGlobal::displayInfo(toM("brm: job " + job + (resume ? " resumed (" + stateName(state) + ")"
                                                             : " paused: no new renders start; running ones finish "
                                                               "their frames (brmPause -resume to go on)")));
        setResult(toM(stateName(state)));
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
