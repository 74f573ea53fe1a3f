#include "brmInfoCommand.h"

#include "brmJson.h"
#include "brmUtil.h"

#include <maya/MArgDatabase.h>
#include <maya/MStringArray.h>

#include <cstdio>
#include <vector>

namespace brm_maya {

namespace {
const char* const kVersionFlag = "-v";
const char* const kVersionFlagLong = "-version";
const char* const kAbiFlag = "-abi";
const char* const kAbiFlagLong = "-abiVersion";
const char* const kJsonFlag = "-js";
const char* const kJsonFlagLong = "-json";
const char* const kGpusFlag = "-g";
const char* const kGpusFlagLong = "-gpus";
const char* const kGpuCountFlag = "-gc";
const char* const kGpuCountFlagLong = "-gpuCount";
const char* const kRenderersFlag = "-rn";
const char* const kRenderersFlagLong = "-renderers";
const char* const kMethodsFlag = "-mt";
const char* const kMethodsFlagLong = "-methods";
const char* const kFinalStatesFlag = "-fst";
const char* const kFinalStatesFlagLong = "-finalStates";
const char* const kCmd = "brmInfo";

// A list libbrm hands out as JSON, parsed: brm's own lists, so the window keeps no copy.
MStatus readList(brm_result (*fn)(char**), const char* what, JsonValue& doc)
{
    OwnedString json;
    brm_result r = fn(&json.p);
    if (r != BRM_OK) return failLib(kCmd, std::string("cannot read brm's ") + what, r);
    std::string err;
    if (!parseJson(json.str(), doc, err)) return fail(kCmd, "libbrm returned unreadable JSON (" + err + ")");
    return MS::kSuccess;
}

MStatus readGpus(std::vector<brm_gpu>& gpus)
{
    size_t count = 0;
    brm_result r = brm_detect_gpus(nullptr, 0, &count);
    if (r != BRM_OK && r != BRM_ERR_BUFFER_TOO_SMALL) return failLib(kCmd, "GPU detection failed", r);
    gpus.assign(count, brm_gpu());
    for (brm_gpu& g : gpus) g.struct_size = sizeof(brm_gpu);
    if (count == 0) return MS::kSuccess;
    r = brm_detect_gpus(gpus.data(), gpus.size(), &count);
    if (r != BRM_OK) return failLib(kCmd, "GPU detection failed", r);
    gpus.resize(count);
    return MS::kSuccess;
}
}  // namespace

const MString BrmInfoCommand::commandName("brmInfo");

void* BrmInfoCommand::creator() { return new BrmInfoCommand(); }

MSyntax BrmInfoCommand::createSyntax()
{
    MSyntax syntax;
    syntax.addFlag(kVersionFlag, kVersionFlagLong);
    syntax.addFlag(kAbiFlag, kAbiFlagLong);
    syntax.addFlag(kJsonFlag, kJsonFlagLong);
    syntax.addFlag(kGpusFlag, kGpusFlagLong);
    syntax.addFlag(kGpuCountFlag, kGpuCountFlagLong);
    syntax.addFlag(kRenderersFlag, kRenderersFlagLong);
    syntax.addFlag(kMethodsFlag, kMethodsFlagLong);
    syntax.addFlag(kFinalStatesFlag, kFinalStatesFlagLong);
    return syntax;
}

MStatus BrmInfoCommand::doIt(const MArgList& args)
{
    return guarded(kCmd, [&]() -> MStatus {
        MStatus status;
        MArgDatabase db(syntax(), args, &status);
        if (!status) return status;
        clearResult();

        if (db.isFlagSet(kAbiFlag)) {
            setResult((int)brm_abi_version());
            return MS::kSuccess;
        }
        if (db.isFlagSet(kJsonFlag)) {
            OwnedString json;
            brm_result r = brm_detect_json(&json.p);
            if (r != BRM_OK) return failLib(kCmd, "system detection failed", r);
            setResult(toM(json.str()));
            return MS::kSuccess;
        }
        if (db.isFlagSet(kRenderersFlag)) {
            // The renderers Maya renders (brm_renderers_json, host "maya"), registry order.
            JsonValue doc;
            status = readList(brm_renderers_json, "renderers", doc);
            if (!status) return status;
            MStringArray out;
            for (size_t i = 0; i < doc.size(); ++i)
                if (doc[i]["host"].str() == "maya") out.append(toM(doc[i]["name"].str()));
            setResult(out);
            return MS::kSuccess;
        }
        if (db.isFlagSet(kMethodsFlag)) {
            // The methods a Maya scene can render with (brm_methods_for_host_json), "auto" first.
            OwnedString json;
            brm_result r = brm_methods_for_host_json("maya", &json.p);
            if (r != BRM_OK) return failLib(kCmd, "cannot read brm's render methods", r);
            JsonValue doc;
            std::string err;
            if (!parseJson(json.str(), doc, err)) return fail(kCmd, "libbrm returned unreadable JSON (" + err + ")");
            MStringArray out;
            for (size_t i = 0; i < doc.size(); ++i) out.append(toM(doc[i].str()));
            setResult(out);
            return MS::kSuccess;
        }
        if (db.isFlagSet(kFinalStatesFlag)) {
            // The job states nothing more runs in unless retried (brm_job_states_json).
            JsonValue doc;
            status = readList(brm_job_states_json, "job states", doc);
            if (!status) return status;
            MStringArray out;
            const JsonValue& states = doc["job"];
            for (size_t i = 0; i < states.size(); ++i)
                if (states[i]["final"].isBool() && states[i]["final"].boolean()) out.append(toM(states[i]["name"].str()));
            setResult(out);
            return MS::kSuccess;
        }
        if (db.isFlagSet(kGpusFlag) || db.isFlagSet(kGpuCountFlag)) {
            std::vector<brm_gpu> gpus;
            status = readGpus(gpus);
            if (!status) return status;
            if (db.isFlagSet(kGpuCountFlag)) {
                setResult((int)gpus.size());
                return MS::kSuccess;
            }
            MStringArray out;
            for (const brm_gpu& g : gpus) {
                char line[512];
                std::snprintf(line, sizeof line, "%u: %.*s (%.*s) %llu/%llu MiB free", g.index,
                              (int)sizeof g.name, g.name, (int)sizeof g.uuid, g.uuid,
                              (unsigned long long)g.memory_free_mib, (unsigned long long)g.memory_total_mib);
                out.append(toM(line));
            }
            setResult(out);
            return MS::kSuccess;
        }
        // Default and -version: the library version.
        setResult(toM(brm_version()));
        return MS::kSuccess;
    });
}

}  // namespace brm_maya
