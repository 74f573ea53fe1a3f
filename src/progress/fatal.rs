//! Fatal lines every renderer shares: licence refused, invalid GPU device, out of GPU memory.
//!
//! Cheap first: three case-sensitive substring searches per line (each needle in its two
//! common spellings). Only a line that hits is lower-cased and looked at closely. The close
//! look insists on a *failure* word next to the licence word, so the many healthy licence
//! lines renderers print ("checking out license", "license server: …") never fail a render.

use super::text::{find, finder};

finder!(ICEN_LOWER, "icen"); // license, licence, licensing
finder!(ICEN_UPPER, "ICEN");
finder!(EMORY_LOWER, "emory");
finder!(EMORY_UPPER, "EMORY");
finder!(NVALID_LOWER, "nvalid"); // Invalid device id, invalid device ordinal, cudaErrorInvalidDevice
finder!(NVALID_UPPER, "NVALID");
finder!(CUDA, "CUDA"); // CUDA driver failures (Deadline MayaCmd's fatal CUDA lines)
finder!(FLEXLM, "FLEXlm error"); // Autodesk's FLEXlm licence errors name no "licence"
finder!(MAYA_FATAL, "Fatal Error"); // Maya's crash banner ("Fatal Error. Attempting to save …")
finder!(FRAME_ABORTED, "Frame aborted");

/// The reason to fail, when `line` is one of the common fatal lines.
pub(crate) fn common_fatal(line: &str) -> Option<String> {
    if find(&MAYA_FATAL, line).is_some() || find(&FRAME_ABORTED, line).is_some() {
        return Some(reason("the render aborted", line));
    }
    let licence = find(&ICEN_LOWER, line).is_some() || find(&ICEN_UPPER, line).is_some();
    let memory = find(&EMORY_LOWER, line).is_some() || find(&EMORY_UPPER, line).is_some();
    let invalid = find(&NVALID_LOWER, line).is_some() || find(&NVALID_UPPER, line).is_some();
    let cuda = find(&CUDA, line).is_some();
    let flexlm = find(&FLEXLM, line).is_some();
    if !(licence || memory || invalid || cuda || flexlm) {
        return None;
    }
    if is_setting_echo(line) {
        return None;
    }
    if flexlm {
        return Some(reason("licence failure", line));
    }
    let lower = line.to_ascii_lowercase();
    if cuda && is_cuda_driver_failure(&lower) {
        return Some(reason("the GPU driver cannot run CUDA", line));
    }
    if licence && is_licence_failure(&lower) {
        return Some(reason("licence failure", line));
    }
    if memory && is_gpu_out_of_memory(&lower) {
        return Some(reason("out of GPU memory", line));
    }
    if invalid && is_invalid_device(&lower) {
        return Some(reason(
            "invalid GPU device (the render must use device 0 of its pinned GPU)",
            line,
        ));
    }
    None
}

/// A setting merely echoed (an environment dump `LM_LICENSE_FILE=…`, `set`/`export` lines):
/// never a failure, whatever words its value holds.
fn is_setting_echo(line: &str) -> bool {
    let t = line.trim_start();
    let t = ["export ", "set ", "setenv "]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t);
    let name_len = t
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    let name = &t[..name_len];
    name_len >= 2 && name.contains('_') && t.as_bytes().get(name_len) == Some(&b'=')
}

/// CUDA failures that no render on this card can survive.
fn is_cuda_driver_failure(lower: &str) -> bool {
    lower.contains("cuda_error_unknown")
        || lower.contains("failed to init the cuda driver api")
        || lower.contains("does not support the required cuda compute capabilities")
        || lower.contains("cuda_error_no_device")
        || lower.contains("cudaerrornodevice")
}

fn reason(what: &str, line: &str) -> String {
    format!("{what}: {}", line.trim())
}

fn is_licence_failure(lower: &str) -> bool {
    if !(lower.contains("license") || lower.contains("licence") || lower.contains("licensing")) {
        return false;
    }
    // A warning (typically a plug-in that is not needed for this render) is not a failure;
    // renderers report their own licence failures as errors.
    if lower.contains("warning") && !lower.contains("error") && !lower.contains("severe") {
        return false;
    }
    // Watermarked renders still produce frames; an option dump is not a failure.
    if lower.contains("watermark")
        || (lower.contains("abort_on_license_fail") && !lower.contains("aborting"))
    {
        return false;
    }
    const FAILURE: [&str; 14] = [
        "fail",
        "error",
        "not found",
        "no license",
        "no licence",
        "unable",
        "could not",
        "cannot",
        "denied",
        "expired",
        "not obtained",
        "not issued",
        "all licenses in use",
        "aborting",
    ];
    FAILURE.iter().any(|w| lower.contains(w))
}

fn is_gpu_out_of_memory(lower: &str) -> bool {
    if lower.contains("out of gpu memory")
        || lower.contains("out of gpu and shared host memory")
        || lower.contains("out of video memory")
        || lower.contains("out of vram")
        || lower.contains("cudaerrormemoryallocation")
        || lower.contains("cuda_error_out_of_memory")
    {
        return true;
    }
    lower.contains("out of memory")
        && (lower.contains("cuda")
            || lower.contains("gpu")
            || lower.contains("device")
            || lower.contains("optix")
            || lower.contains("custreamcreate")
            || lower.contains("cumemalloc"))
}

fn is_invalid_device(lower: &str) -> bool {
    lower.contains("invalid device id")
        || lower.contains("invalid device ordinal")
        || lower.contains("cudaerrorinvaliddevice")
        || lower.contains("cuda_error_invalid_device")
        || lower.contains("invalid cuda device")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fatal(line: &str) -> bool {
        common_fatal(line).is_some()
    }

    #[test]
    fn licence_failures() {
        // Redshift, quoted in CGRU/cgru afanasy/python/parsers/redshift.py (EXAMPLE OUTPUT).
        assert!(fatal(
            "Error: [Redshift] License error: (RLM) All licenses in use (-22) //"
        ));
        // Redshift, measured and quoted in github.com/aws-deadline/deadline-cloud-for-maya/pull/480.
        assert!(fatal(
            "[Redshift] Maxon licensing error: unable to acquire a license"
        ));
        // RenderMan, quoted in github.com/prman-pixar/RenderManForBlender/issues/608.
        assert!(fatal("R50005 {SEVERE}  License error - feature: RPS-24.0"));
        // V-Ray, matched by aws-deadline/deadline-cloud-for-maya
        // src/deadline/maya_adaptor/MayaAdaptor/adaptor.py (_vray_license_error).
        assert!(fatal("error: Could not obtain a license"));
        // Arnold, matched by the same adaptor.py (_handle_arnold_license_error).
        assert!(fatal(
            "00:00:01   810MB ERROR   | aborting render because the abort_on_license_fail option was enabled"
        ));
        // Maya itself, matched by Deadline's MayaBatch plugin (bumpybox/custom
        // plugins/MayaPype/MayaPype.py, "Maya: License was not obtained").
        assert!(fatal("Maya: License was not obtained"));
        // Atoms, quoted in github.com/MoonShineVFX/reveries-config/pull/118.
        assert!(fatal(
            "ERROR: ATOMS LICENSE: Unable to find a valid license"
        ));
        // Brief's examples.
        assert!(fatal("[Redshift] License acquisition failed"));
        assert!(fatal("[Redshift] No license found"));
        assert!(fatal("[mtoa] Failed to find license"));
    }

    #[test]
    fn deadline_mayacmd_fatal_lines() {
        // Thinkbox Deadline MayaCmd plugin, InitializeProcess (copy at github.com/bsukhadia/beta
        // MayaCmd.py): "FLEXlm error: .*" and "Maya: License was not obtained" are
        // HandleFatalError, as are the three CUDA lines below.
        assert!(fatal(
            "FLEXlm error: -15,570. System Error: 115 \"Operation now in progress\""
        ));
        assert!(fatal("Maya: License was not obtained"));
        assert!(fatal("[Redshift] CUDA_ERROR_UNKNOWN in cuCtxCreate"));
        assert!(fatal("Failed to init the CUDA driver API"));
        assert!(fatal(
            "The system does not support the required CUDA compute capabilities"
        ));
        // Echoed by the Script Editor ("// Error: … //") the same line is just as fatal.
        assert!(fatal("// Error: Failed to init the CUDA driver API //"));
        // Healthy CUDA chatter is not.
        assert!(!fatal("CUDA reported free mem: 20112 MB"));
        assert!(!fatal("Preparing CUDA devices"));
    }

    #[test]
    fn afanasy_maya_error_lines() {
        // CGRU/cgru afanasy/python/parsers/maya.py str_error: "Frame aborted", "Frame rendering
        // aborted", "Fatal Error" (Maya's crash banner).
        assert!(fatal(
            "Fatal Error. Attempting to save in /tmp/root.20241101.1200.ma"
        ));
        assert!(fatal("// Error: Frame aborted //"));
        assert!(!fatal("Rendering frame 12 done"));
    }

    #[test]
    fn licence_settings_echoed_in_a_log_are_harmless() {
        // Environment dumps (Deadline and Rez print the environment before a render; a
        // pipeline's pre-render script may `set`): values may hold any word.
        assert!(!fatal("LM_LICENSE_FILE=27000@licserver-failover"));
        assert!(!fatal("RLM_LICENSE=5053@lic-error-backup"));
        assert!(!fatal("export ADSKFLEX_LICENSE_FILE=@flex-fail-1"));
        assert!(!fatal("set REDSHIFT_LICENSEPATH=C:\\error\\licences"));
        assert!(!fatal("FLEXLM_DIAGNOSTICS=3"));
    }

    #[test]
    fn healthy_licence_lines_are_not_fatal() {
        assert!(!fatal(
            "00:00:00   773MB         | [license] checking out license for arnold"
        ));
        assert!(!fatal("License server: 5053@licserver"));
        assert!(!fatal(
            "00:00:00 | rendering with watermarks because of license failure"
        ));
        assert!(!fatal("Licensed under the Apache License, Version 2.0"));
        assert!(!fatal(" abort_on_license_fail            true"));
        assert!(!fatal("// Warning: Bifrost: could not check out a license; Bifrost nodes will not evaluate //"));
    }

    #[test]
    fn out_of_gpu_memory() {
        // Cycles, quoted in github.com/princeton-vl/infinigen/issues/68 and
        // github.com/ynshung/blender-colab/issues/5.
        assert!(fatal("System is out of GPU and shared host memory"));
        assert!(fatal("System is out of GPU memory"));
        // Cycles via ZLUDA, quoted in github.com/vosen/ZLUDA/issues/223.
        assert!(fatal(
            r"Out of memory in cuStreamCreate(&cuda_stream_, CU_STREAM_NON_BLOCKING) (C:\Users\blender\git\blender-v410\blender.git\intern\cycles\device\cuda\queue.cpp:21)"
        ));
        // redner, quoted in github.com/BachiLi/redner/issues/167 (title).
        assert!(fatal(
            r"CUDA Runtime Error: out of memory at E:\redner\src\buffer.h:55"
        ));
        assert!(fatal("CUDA error: out of memory"));
        // Host memory messages and VP2 banners are not GPU OOM.
        assert!(!fatal("  GPU Memory Limit : 20470 MB."));
        assert!(!fatal("MemoryError: out of memory while parsing"));
    }

    #[test]
    fn invalid_device() {
        // Redshift in Maya, matched by Deadline's MayaBatch plugin (bumpybox/custom
        // plugins/MayaPype/MayaPype.py: redshiftSelectCudaDevices\.mel line \d+: Invalid device id).
        assert!(fatal(
            "// Error: file: redshiftSelectCudaDevices.mel line 47: Invalid device id: 1"
        ));
        // Quoted in github.com/chih-hao-lin/neurmips/issues/5.
        assert!(fatal(
            "RuntimeError: radix_sort: failed on 1st step: cudaErrorInvalidDevice: invalid device ordinal"
        ));
        // Quoted in github.com/heipei/engine-cuda/pull/4.
        assert!(fatal(
            "Cuda error 10 in file 'cuda_common.cu' in line 123: invalid device ordinal."
        ));
        assert!(!fatal(
            "Invalid value in cuCtxPushCurrent(device->cuContext)"
        ));
    }
}
