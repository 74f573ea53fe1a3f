// brm.h as a C++17 consumer (the Maya plugin) sees it: compiles cleanly with
// -Wall -Wextra -Werror -pedantic -Wold-style-cast -Wshadow, declares everything extern "C"
// (cpp_compat) so it links against libbrm.so, and wraps naturally in RAII.
#include "brm.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>

static_assert(sizeof(brm_result) == sizeof(std::uint32_t), "brm_result is uint32_t");
static_assert(std::is_same<decltype(&brm_abi_version), std::uint32_t (*)()>::value,
              "brm_abi_version returns uint32_t");

// Layout guarantees the struct_size protocol relies on.
static_assert(offsetof(brm_gpu, struct_size) == 0, "struct_size first");
static_assert(offsetof(brm_job_info, struct_size) == 0, "struct_size first");
static_assert(std::is_standard_layout<brm_gpu>::value && std::is_trivially_copyable<brm_gpu>::value,
              "brm_gpu is a plain C struct");
static_assert(std::is_standard_layout<brm_job_info>::value, "brm_job_info is a plain C struct");
static_assert(std::is_standard_layout<brm_log_line>::value, "brm_log_line is a plain C struct");
static_assert(sizeof(brm_job_state) == sizeof(std::uint32_t), "brm_job_state is uint32_t");
static_assert(BRM_JOB_QUEUED == 0 && BRM_JOB_PAUSED == 5, "job state values");

namespace {

// RAII over the opaque handles, as the Maya plugin does it.
struct FrameSetDeleter {
    void operator()(brm_frameset *fs) const noexcept { brm_frameset_free(fs); }
};
using FrameSet = std::unique_ptr<brm_frameset, FrameSetDeleter>;
struct SpecDeleter {
    void operator()(brm_job_spec *s) const noexcept { brm_job_spec_free(s); }
};
using JobSpec = std::unique_ptr<brm_job_spec, SpecDeleter>;

struct StringDeleter {
    void operator()(char *s) const noexcept { brm_string_free(s); }
};
using BrmString = std::unique_ptr<char, StringDeleter>;

std::string last_error() {
    std::size_t need = 0;
    if (brm_last_error(nullptr, 0, &need) != BRM_ERR_BUFFER_TOO_SMALL) {
        return {};
    }
    std::string msg(need, '\0');
    if (brm_last_error(&msg[0], msg.size(), &need) != BRM_OK) {
        return {};
    }
    msg.resize(need - 1);
    return msg;
}

}  // namespace

int main() {
    if (brm_abi_version() != BRM_ABI_VERSION) {
        std::fprintf(stderr, "ABI mismatch\n");
        return 1;
    }
    brm_frameset *raw = nullptr;
    if (brm_frames_parse("1-100x5", &raw) != BRM_OK) {
        std::fprintf(stderr, "parse failed: %s\n", last_error().c_str());
        return 1;
    }
    FrameSet fs(raw);
    std::uint64_t n = 0;
    char *compact_raw = nullptr;
    if (brm_frameset_len(fs.get(), &n) != BRM_OK || n != 21 ||
        brm_frameset_compact(fs.get(), &compact_raw) != BRM_OK) {
        std::fprintf(stderr, "frame set calls failed: %s\n", last_error().c_str());
        return 1;
    }
    BrmString compact(compact_raw);
    if (std::string(compact.get()) != "1-96x5,100") {
        std::fprintf(stderr, "compact form %s\n", compact.get());
        return 1;
    }
    brm_job_spec *spec_raw = nullptr;
    if (brm_job_spec_new(&spec_raw) != BRM_OK) {
        return 1;
    }
    JobSpec spec(spec_raw);
    if (brm_job_spec_set_method(spec.get(), "nonsense") != BRM_ERR_INVALID_ARGUMENT || last_error().empty()) {
        std::fprintf(stderr, "bad method accepted\n");
        return 1;
    }
    brm_job_info info{};
    info.struct_size = sizeof info;
    brm_gpu gpus[2]{};
    gpus[0].struct_size = sizeof(brm_gpu);
    std::size_t count = 0;
    if (brm_detect_gpus(gpus, 2, &count) != BRM_OK || count > 2 ||
        brm_job_status(nullptr, 1, &info) != BRM_ERR_NULL_ARGUMENT) {
        std::fprintf(stderr, "detect/status calls failed: %s\n", last_error().c_str());
        return 1;
    }
    std::uint32_t state = info.state;
    if (state != 0 || info.struct_size != sizeof info) {  // untouched on failure
        return 1;
    }
    BrmString none(nullptr);  // unique_ptr never calls the deleter for NULL, but brm allows it
    brm_string_free(nullptr);
    std::string err = last_error();
    std::printf("brm %s from C++17, last error \"%s\"\n", brm_version(), err.c_str());
    brm_shutdown();
    return 0;
}
