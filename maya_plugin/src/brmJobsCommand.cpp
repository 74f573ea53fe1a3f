#include "brmJobsCommand.h"

#include "brmClient.h"
#include "brmJobFields.h"
#include "brmJson.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MStringArray.h>

namespace brm_maya {

namespace {
const char* const kJsonFlag = "-js";
const char* const kJsonFlagLong = "-json";
const char* const kActiveFlag = "-a";
const char* const kActiveFlagLong = "-active";
const char* const kLongFlag = "-lng";
const char* const kLongFlagLong = "-long";
const char* const kCmd = "brmJobs";
}  // namespace

const MString BrmJobsCommand::commandName("brmJobs");

void* BrmJobsCommand::creator() { return new BrmJobsCommand(); }

MSyntax BrmJobsCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addFlag(kJsonFlag, kJsonFlagLong);
    syntax.addFlag(kActiveFlag, kActiveFlagLong);
    syntax.addFlag(kLongFlag, kLongFlagLong);
    return syntax;
}

MStatus BrmJobsCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;
        OwnedString json;
        brm_result r = brm_jobs_json(c, &json.p);
        if (r != BRM_OK) return failLib(kCmd, "cannot list jobs", r);
        if (db.isFlagSet(kJsonFlag)) {
            setResult(toM(json.str()));
            return MS::kSuccess;
        }
        JsonValue doc;
        std::string err;
        if (!parseJson(json.str(), doc, err)) return fail(kCmd, "libbrm returned unreadable JSON (" + err + ")");
        // brm_jobs_json: an array of job summaries (the keys of brmJobFields.h).
        const JsonValue& jobs = doc;
        bool active = db.isFlagSet(kActiveFlag);
        bool longForm = db.isFlagSet(kLongFlag);
        MStringArray out;
        for (size_t i = 0; i < jobs.size(); ++i) {
            const JsonValue& job = jobs[i];
            std::string id = job["id"].text();
            std::string state = job["state"].text();
            if (active && jobStateIsFinal(state)) continue;
            if (longForm) {
                std::string name = job["name"].text();
                out.append(toM(id + " " + state + (name.empty() ? "" : " " + name)));
            } else {
                out.append(toM(id));
            }
        }
        setResult(out);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
