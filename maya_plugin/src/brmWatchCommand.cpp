#include "brmWatchCommand.h"

#include "brmClient.h"
#include "brmNotify.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MGlobal.h>
#include <maya/MMessage.h>
#include <maya/MStringArray.h>
#include <maya/MTimerMessage.h>

#include <cstdlib>
#include <map>

namespace brm_maya {

namespace {
const char* const kStopFlag = "-s";
const char* const kStopFlagLong = "-stop";
const char* const kIntervalFlag = "-i";
const char* const kIntervalFlagLong = "-interval";
const char* const kListFlag = "-ls";
const char* const kListFlagLong = "-list";
// Only brm's own notes (task started, fallback, retries, done), not the renderer's output.
const char* const kNotesFlag = "-n";
const char* const kNotesFlagLong = "-notesOnly";
const char* const kCmd = "brmWatch";

// Each tick prints at most this many lines so one burst of output cannot stall the UI; the
// rest follows on the next ticks.
const uint32_t kLinesPerTick = 200;

struct Watch {
    uint64_t id = 0;
    uint64_t nextSeq = 0;
    uint32_t stream = BRM_LOG_ALL_STREAMS;
    MCallbackId callback = 0;
};

std::map<uint64_t, Watch*>& watches()
{
    static std::map<uint64_t, Watch*> w;
    return w;
}

void removeWatch(uint64_t id)
{
    auto it = watches().find(id);
    if (it == watches().end()) return;
    MMessage::removeCallback(it->second->callback);
    delete it->second;
    watches().erase(it);
}

struct LogBatch {
    brm_log_batch* p = nullptr;
    LogBatch() = default;
    LogBatch(const LogBatch&) = delete;
    LogBatch& operator=(const LogBatch&) = delete;
    ~LogBatch() { brm_log_batch_free(p); }
};

// Print new lines; returns false (after reporting) when the log cannot be read.
bool printNewLines(brm_client* c, Watch& w, bool& more)
{
    more = false;
    LogBatch batch;
    brm_result r = brm_poll_logs_stream(c, w.id, w.nextSeq, kLinesPerTick, w.stream, &batch.p);
    if (r != BRM_OK) {
        failLib(kCmd, "stopped watching job " + std::to_string((unsigned long long)w.id), r);
        return false;
    }
    size_t n = brm_log_batch_len(batch.p);
    std::string prefix = "[brm " + std::to_string((unsigned long long)w.id) + "] ";
    for (size_t i = 0; i < n; ++i) {
        brm_log_line line = brm_log_line();
        if (brm_log_batch_line(batch.p, i, &line) != BRM_OK) continue;
        std::string text(line.text ? line.text : "", line.text ? line.text_len : 0);
        MGlobal::displayInfo(toM(prefix + (line.stream == 1 ? "brm: " : "") + text));
    }
    uint64_t next = brm_log_batch_next_seq(batch.p);
    more = n >= kLinesPerTick || (w.stream != BRM_LOG_ALL_STREAMS && next != w.nextSeq && n > 0);
    w.nextSeq = next;
    return true;
}

// The timer callback: runs on Maya's main thread when idle; only non-blocking calls.
void tick(float, float, void* clientData)
{
    Watch* w = static_cast<Watch*>(clientData);
    uint64_t id = w->id;
    brm_client* c = client(kCmd);
    if (!c) {
        removeWatch(id);
        return;
    }
    brm_job_info info = brm_job_info();
    info.struct_size = sizeof(brm_job_info);
    brm_result r = brm_job_status(c, id, &info);
    if (r != BRM_OK) {
        failLib(kCmd, "stopped watching job " + std::to_string((unsigned long long)id), r);
        removeWatch(id);
        return;
    }
    bool more = false;
    if (!printNewLines(c, *w, more)) {
        removeWatch(id);
        return;
    }
    if (!stateIsFinal(info.state)) return;
    // Finished: drain what the status read may have raced with, then report and stop.
    for (int i = 0; more && i < 50; ++i) {
        if (!printNewLines(c, *w, more)) break;
    }
    std::string summary = "brm: job " + std::to_string((unsigned long long)id) + " " + stateName(info.state) + ": " +
                          std::to_string((unsigned long long)info.frames_done) + "/" +
                          std::to_string((unsigned long long)info.frames_total) + " frames";
    if (info.frames_failed) summary += ", " + std::to_string((unsigned long long)info.frames_failed) + " failed";
    if (info.state == BRM_JOB_DONE)
        MGlobal::displayInfo(toM(summary));
    else
        MGlobal::displayWarning(toM(summary + " (see brmLog, retry with brmRetry)"));
    // Tell the artist in the viewport too (interactive Maya only; BRM_NOTIFY=0 turns it off).
    // The text is digits and fixed words only, so it needs no MEL escaping.
    bool off = notifyOff(std::getenv("BRM_NOTIFY"));
    if (!off && MGlobal::mayaState() == MGlobal::kInteractive)
        MGlobal::executeCommandOnIdle(toM("inViewMessage -amg \"" + summary + "\" -pos topCenter -fade -fst 4000"));
    removeWatch(id);
}
}  // namespace

const MString BrmWatchCommand::commandName("brmWatch");

void* BrmWatchCommand::creator() { return new BrmWatchCommand(); }

MSyntax BrmWatchCommand::createSyntax()
{
    MSyntax syntax;
    syntax.setObjectType(MSyntax::kStringObjects, 0, 1);  // job id
    syntax.addFlag(kStopFlag, kStopFlagLong);
    syntax.addFlag(kIntervalFlag, kIntervalFlagLong, MSyntax::kDouble);
    syntax.addFlag(kListFlag, kListFlagLong);
    syntax.addFlag(kNotesFlag, kNotesFlagLong);
    return syntax;
}

void BrmWatchCommand::stopAll()
{
    while (!watches().empty()) removeWatch(watches().begin()->first);
}

MStatus BrmWatchCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        if (db.isFlagSet(kListFlag)) {
            MStringArray out;
            for (const auto& w : watches()) out.append(jobIdString(w.first));
            setResult(out);
            return MS::kSuccess;
        }
        MStringArray objects;
        db.getObjects(objects);
        uint64_t id = 0;
        std::string err;
        if (objects.length() && !parseJobId(objects[0], id, err)) return fail(kCmd, err);

        if (db.isFlagSet(kStopFlag)) {
            if (!objects.length()) {
                stopAll();
            } else if (watches().count(id)) {
                removeWatch(id);
            } else {
                MGlobal::displayWarning(toM("brmWatch: job " + fromM(objects[0]) + " is not being watched"));
            }
            setResult(true);
            return MS::kSuccess;
        }
        if (!objects.length()) return fail(kCmd, "name the job to watch, e.g. brmWatch \"12\" (or -stop, -list)");

        double interval = 0.5;
        if (db.isFlagSet(kIntervalFlag)) db.getFlagArgument(kIntervalFlag, 0, interval);
        if (!(interval >= 0.05 && interval <= 3600.0))
            return fail(kCmd, "-interval is seconds between 0.05 and 3600");
        if (watches().count(id)) {
            MGlobal::displayWarning(toM("brmWatch: already watching job " + fromM(objects[0])));
            setResult(objects[0]);
            return MS::kSuccess;
        }
        brm_client* c = client(kCmd);
        if (!c) return MS::kFailure;
        // Check the job exists now, so a wrong id fails the command instead of a timer.
        brm_job_info info = brm_job_info();
        info.struct_size = sizeof(brm_job_info);
        brm_result r = brm_job_status(c, id, &info);
        if (r != BRM_OK) return failLib(kCmd, "cannot watch job " + fromM(objects[0]), r);

        Watch* w = new Watch();
        w->id = id;
        if (db.isFlagSet(kNotesFlag)) w->stream = 1;
        w->callback = MTimerMessage::addTimerCallback((float)interval, tick, w, &status);
        if (!status) {
            delete w;
            return fail(kCmd, "Maya refused the timer callback");
        }
        watches()[id] = w;
        MGlobal::displayInfo(toM("brm: watching job " + fromM(objects[0]) + " (" + stateName(info.state) +
                                 "); stop with brmWatch -stop \"" + fromM(objects[0]) + "\""));
        setResult(jobIdString(id));
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
