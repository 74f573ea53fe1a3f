/*
 * brm C ABI: system detection (src/ffi/detect.rs): brm_detect_json, brm_detect_gpus.
 * Runs with BRM_NO_NVML=1 and BRM_NVIDIA_SMI=tests/c/fake-nvidia-smi (two GPUs), set by ctest.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "brm_check.h"

#include <stdint.h>

static void test_gpu_count_protocol(void) {
    size_t count = 12345;
    EXPECT_ERR(brm_detect_gpus(NULL, 0, NULL), BRM_ERR_NULL_ARGUMENT, "out_count");
    EXPECT_ERR(brm_detect_gpus(NULL, 1, &count), BRM_ERR_NULL_ARGUMENT, "out");
    CHECK(count == 12345); /* nothing written on a NULL-argument failure */

    /* Ask for the count: two GPUs from the fake nvidia-smi. */
    EXPECT_ERR(brm_detect_gpus(NULL, 0, &count), BRM_ERR_BUFFER_TOO_SMALL, "2 GPUs");
    CHECK(count == 2);

    /* Room for one: too small, count written, the element untouched. */
    brm_gpu one[1];
    memset(one, 0xAB, sizeof one);
    one[0].struct_size = (uint32_t)sizeof(brm_gpu);
    count = 0;
    EXPECT_ERR(brm_detect_gpus(one, 1, &count), BRM_ERR_BUFFER_TOO_SMALL, "2");
    CHECK(count == 2);
    CHECK(one[0].index == 0xABABABABu);

    /* struct_size not set (0), or smaller than the struct: rejected, says what to do. */
    brm_gpu arr[4];
    memset(arr, 0, sizeof arr);
    EXPECT_ERR(brm_detect_gpus(arr, 4, &count), BRM_ERR_INVALID_ARGUMENT, "struct_size", "sizeof(brm_gpu)");
    arr[0].struct_size = (uint32_t)sizeof(brm_gpu) - 8;
    EXPECT_ERR(brm_detect_gpus(arr, 4, &count), BRM_ERR_INVALID_ARGUMENT, "struct_size");
    arr[0].struct_size = (uint32_t)sizeof(brm_gpu) + 1; /* not a multiple of the alignment */
    EXPECT_ERR(brm_detect_gpus(arr, 4, &count), BRM_ERR_INVALID_ARGUMENT, "struct_size");

    /* Enough room: both GPUs, fields from the CSV; elements past the count untouched. */
    memset(arr, 0x5A, sizeof arr);
    arr[0].struct_size = (uint32_t)sizeof(brm_gpu);
    count = 0;
    EXPECT_OK(brm_detect_gpus(arr, 4, &count));
    CHECK(count == 2);
    CHECK(arr[0].struct_size == sizeof(brm_gpu));
    CHECK(arr[0].index == 0 && arr[1].index == 1);
    CHECK(strcmp(arr[0].uuid, "GPU-11111111-2222-3333-4444-555555555555") == 0);
    CHECK(strcmp(arr[1].uuid, "GPU-66666666-7777-8888-9999-000000000000") == 0);
    CHECK(strcmp(arr[0].name, "NVIDIA RTX A6000") == 0);
    CHECK(strcmp(arr[1].pci_bus_id, "00000000:65:00.0") == 0);
    CHECK(arr[0].memory_total_mib == 49140 && arr[0].memory_free_mib == 48000);
    CHECK(arr[1].memory_free_mib == 12000);
    CHECK(arr[0].utilization_percent == 3 && arr[1].utilization_percent == 97);
    CHECK(arr[0].mig_mode == -1); /* "[N/A]" = unknown */
    CHECK(arr[2].index == 0x5A5A5A5Au);

    /* A caller built against a newer, larger brm_gpu: struct_size is the stride and the
     * fields this library does not know stay untouched. */
    struct bigger_gpu {
        brm_gpu gpu;
        uint64_t future_field;
    } big[2];
    memset(big, 0, sizeof big);
    big[0].gpu.struct_size = (uint32_t)sizeof(struct bigger_gpu);
    big[0].future_field = 0x1122334455667788u;
    big[1].future_field = 0x1122334455667788u;
    EXPECT_OK(brm_detect_gpus(&big[0].gpu, 2, &count));
    CHECK(count == 2);
    CHECK(big[1].gpu.index == 1);
    CHECK(strcmp(big[1].gpu.name, "NVIDIA RTX A6000") == 0);
    CHECK(big[0].future_field == 0x1122334455667788u && big[1].future_field == 0x1122334455667788u);
}

static void test_no_gpus(void) {
    /* No nvidia-smi at all: zero GPUs is an answer, not an error. */
    const char *saved = getenv("BRM_NVIDIA_SMI");
    char *copy = saved ? strdup(saved) : NULL;
    CHECK(setenv("BRM_NVIDIA_SMI", "/nonexistent/nvidia-smi", 1) == 0);
    size_t count = 99;
    EXPECT_OK(brm_detect_gpus(NULL, 0, &count));
    CHECK(count == 0);
    char *raw = NULL;
    EXPECT_OK(brm_detect_json(&raw));
    char *json = raw ? squeeze_json(raw) : NULL;
    CHECK(json != NULL && strstr(json, "\"gpus\":[]") != NULL);
    free(json);
    brm_string_free(raw);
    if (copy) {
        CHECK(setenv("BRM_NVIDIA_SMI", copy, 1) == 0);
        free(copy);
    }
}

static void test_json(void) {
    EXPECT_ERR(brm_detect_json(NULL), BRM_ERR_NULL_ARGUMENT, "out");
    char *raw = NULL;
    EXPECT_OK(brm_detect_json(&raw));
    CHECK(raw != NULL);
    char *json = raw ? squeeze_json(raw) : NULL;
    if (json != NULL) {
        CHECK(json[0] == '{');
        CHECK(strstr(json, "\"schema\":1") != NULL);
        CHECK(strstr(json, "\"brm_version\":\"" BRM_EXPECTED_VERSION "\"") != NULL);
        CHECK(strstr(json, "GPU-11111111-2222-3333-4444-555555555555") != NULL);
        CHECK(strstr(json, "\"gpu_source\":\"nvidia-smi\"") != NULL);
        CHECK(strstr(json, "\"maya\":[]") != NULL); /* BRM_MAYA_ROOTS is an empty dir */
    }
    free(json);
    brm_string_free(raw);
}

int main(void) {
    test_json();
    test_gpu_count_protocol();
    test_no_gpus();
    /* Shutdown clears the caches; detection works again afterwards. */
    brm_shutdown();
    brm_shutdown();
    test_json();
    test_gpu_count_protocol();
    return check_report("test_detect");
}
