#include "brmFramesCommand.h"

#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MIntArray.h>

#include <climits>
#include <vector>

namespace brm_maya {

namespace {
const char* const kCompactFlag = "-c";
const char* const kCompactFlagLong = "-compact";
const char* const kCountFlag = "-cnt";
const char* const kCountFlagLong = "-count";
const char* const kOffsetFlag = "-o";
const char* const kOffsetFlagLong = "-offset";
const char* const kLimitFlag = "-l";
const char* const kLimitFlagLong = "-limit";
const char* const kCmd = "brmFrames";

// Largest int array returned without an explicit -limit: more would make a huge MEL array.
const uint64_t kMaxArray = 1000000;

struct FrameSet {
    brm_frameset* p = nullptr;
    FrameSet() = default;
    FrameSet(const FrameSet&) = delete;
    FrameSet& operator=(const FrameSet&) = delete;
    ~FrameSet() { brm_frameset_free(p); }
};
}  // namespace

const MString BrmFramesCommand::commandName("brmFrames");

void* BrmFramesCommand::creator() { return new BrmFramesCommand(); }

MSyntax BrmFramesCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addArg(MSyntax::kString);
    syntax.addFlag(kCompactFlag, kCompactFlagLong);
    syntax.addFlag(kCountFlag, kCountFlagLong);
    syntax.addFlag(kOffsetFlag, kOffsetFlagLong, MSyntax::kLong);
    syntax.addFlag(kLimitFlag, kLimitFlagLong, MSyntax::kLong);
    return syntax;
}

MStatus BrmFramesCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        MString spec;
        db.getCommandArgument(0, spec);
        FrameSet fs;
        brm_result r = brm_frames_parse(fromM(spec).c_str(), &fs.p);
        if (r != BRM_OK) return failLib(kCmd, "invalid frame set \"" + fromM(spec) + "\"", r);
        uint64_t len = 0;
        r = brm_frameset_len(fs.p, &len);
        if (r != BRM_OK) return failLib(kCmd, "cannot count frames", r);

        if (db.isFlagSet(kCompactFlag)) {
            OwnedString compact;
            r = brm_frameset_compact(fs.p, &compact.p);
            if (r != BRM_OK) return failLib(kCmd, "cannot compact the frame set", r);
            setResult(toM(compact.str()));
            return MS::kSuccess;
        }
        if (db.isFlagSet(kCountFlag)) {
            int n = 0;
            if (!toMayaInt(len, n))
                return fail(kCmd, std::to_string(len) + " frames do not fit Maya's 32-bit int; use -compact");
            setResult(n);
            return MS::kSuccess;
        }

        int offset = 0, limit = 0;
        bool limited = db.isFlagSet(kLimitFlag);
        if (db.isFlagSet(kOffsetFlag)) db.getFlagArgument(kOffsetFlag, 0, offset);
        if (limited) db.getFlagArgument(kLimitFlag, 0, limit);
        if (offset < 0) return fail(kCmd, "-offset must be 0 or more, got " + std::to_string(offset));
        if (limited && limit < 0) return fail(kCmd, "-limit must be 0 or more, got " + std::to_string(limit));
        uint64_t start = (uint64_t)offset < len ? (uint64_t)offset : len;
        uint64_t count = len - start;
        if (limited && (uint64_t)limit < count) count = (uint64_t)limit;
        if (!limited && count > kMaxArray)
            return fail(kCmd, std::to_string(count) + " frames are too many for an int array; use -count, -compact, "
                              "or page with -offset/-limit");

        MIntArray out;
        std::vector<int64_t> page(count < 65536 ? (size_t)count : 65536);
        uint64_t done = 0;
        while (done < count) {
            size_t want = (size_t)((count - done) < page.size() ? (count - done) : page.size());
            size_t written = 0;
            r = brm_frameset_frames(fs.p, start + done, page.data(), want, &written);
            if (r != BRM_OK) return failLib(kCmd, "cannot read frames", r);
            if (written == 0) break;
            for (size_t i = 0; i < written && done + i < count; ++i) {
                int64_t f = page[i];
                if (f < INT_MIN || f > INT_MAX)
                    return fail(kCmd, "frame " + std::to_string(f) + " does not fit Maya's 32-bit int; use -compact");
                out.append((int)f);
            }
            done += written;
        }
        setResult(out);
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
