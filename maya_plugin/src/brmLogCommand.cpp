#include "brmLogCommand.h"

#include "brmClient.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MStringArray.h>

#include <cerrno>
#include <cstdlib>

namespace brm_maya {

namespace {
const char* const kAfterFlag = "-a";
const char* const kAfterFlagLong = "-after";
const char* const kMaxFlag = "-m";
const char* const kMaxFlagLong = "-max";
const char* const kSeqFlag = "-sq";
const char* const kSeqFlagLong = "-seq";
const char* const kNextFlag = "-nx";
const char* const kNextFlagLong = "-next";
const char* const kCmd = "brmLog";

struct LogBatch {
    brm_log_batch* p = nullptr;
    LogBatch() = default;
    LogBatch(const LogBatch&) = delete;
    LogBatch& operator=(const LogBatch&) = delete;
    ~LogBatch() { brm_log_batch_free(p); }
};
}  // namespace

const MString BrmLogCommand::commandName("brmLog");

void* BrmLogCommand::creator() { return new BrmLogCommand(); }

MSyntax BrmLogCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addArg(MSyntax::kString);  // job id
    syntax.addFlag(kAfterFlag, kAfterFlagLong, MSyntax::kString);
    syntax.addFlag(kMaxFlag, kMaxFlagLong, MSyntax::kLong);
    syntax.addFlag(kSeqFlag, kSeqFlagLong);
    syntax.addFlag(kNextFlag, kNextFlagLong);
    return syntax;
}

MStatus BrmLogCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        uint64_t id = 0;
        if (!jobIdArgument(db, kCmd, id)) return MS::kFailure;

        uint64_t after = 0;
        if (db.isFlagSet(kAfterFlag)) {
            MString a;
            db.getFlagArgument(kAfterFlag, 0, a);
            std::string s = fromM(a);
            char* end = nullptr;
            errno = 0;
            after = std::strtoull(s.c_str(), &end, 10);
            if (s.empty() || *end != '\0' || errno == ERANGE || s[0] == '-')
                return fail(kCmd, "-after takes a line sequence number as a string, e.g. \"120\" (from -next)");
        }
        int max = 1000;
        if (db.isFlagSet(kMaxFlag)) db.getFlagArgument(kMaxFlag, 0, max);
        if (max < 1 || max > 100000) return fail(kCmd, "-max must be between 1 and 100000 lines");

        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;
        LogBatch batch;
        brm_result r = brm_poll_logs(c, id, after, (uint32_t)max, &batch.p);
        if (r != BRM_OK) return failLib(kCmd, "cannot read the log of job " + fromM(jobIdString(id)), r);
        if (db.isFlagSet(kNextFlag)) {
            setResult(jobIdString(brm_log_batch_next_seq(batch.p)));
            return MS::kSuccess;
        }
        bool withSeq = db.isFlagSet(kSeqFlag);
        MStringArray out;
        size_t n = brm_log_batch_len(batch.p);
        for (size_t i = 0; i < n; ++i) {
            brm_log_line line = brm_log_line();
            if (brm_log_batch_line(batch.p, i, &line) != BRM_OK) continue;
            std::string text(line.text ? line.text : "", line.text ? line.text_len : 0);
            if (line.stream == 1) text = "[brm] " + text;
            if (withSeq) text = std::to_string((unsigned long long)line.seq) + "\t" + text;
            out.append(toM(text));
        }
        setResult(out);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
