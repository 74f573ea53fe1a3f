#include "brmRetryCommand.h"

#include "brmClient.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MGlobal.h>

namespace brm_maya {

namespace {
const char* const kCmd = "brmRetry";
}

const MString BrmRetryCommand::commandName("brmRetry");

void* BrmRetryCommand::creator() { return new BrmRetryCommand(); }

MSyntax BrmRetryCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addArg(MSyntax::kString);  // job id
    return syntax;
}

MStatus BrmRetryCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        uint64_t id = 0;
        if (!jobIdArgument(db, kCmd, id)) return MS::kFailure;
        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;
        brm_result r = brm_retry(c, id);
        if (r != BRM_OK) return failLib(kCmd, "cannot retry job " + fromM(jobIdString(id)), r);
        MGlobal::displayInfo("brm: job " + jobIdString(id) + " queued again for the frames it is missing");
        setResult(jobIdString(id));
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
