/*
 * brm C ABI: the farm hand-off (src/ffi/farm.rs): brm_farm_submit_json (here as a dry run,
 * which writes the engine files and submits nothing) and brm_farm_status_json, plus misuse.
 * BRM_HOME (per test, set by ctest); BRM_TEST_DATA points at tests/c/data (a Maya scene).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "brm_check.h"

#include <unistd.h>

static void test_misuse(void) {
    brm_job_spec *s = NULL;
    EXPECT_OK(brm_job_spec_new(&s));
    char *out = (char *)(void *)&out; /* sentinel: untouched on failure */
    char *const sentinel = out;
    EXPECT_ERR(brm_farm_submit_json(NULL, "slurm", NULL, &out), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_ERR(brm_farm_submit_json(s, NULL, NULL, &out), BRM_ERR_NULL_ARGUMENT, "engine");
    EXPECT_ERR(brm_farm_submit_json(s, bad_utf8(), NULL, &out), BRM_ERR_INVALID_UTF8, "UTF-8");
    EXPECT_ERR(brm_farm_submit_json(s, "tractor", NULL, &out), BRM_ERR_INVALID_ARGUMENT, "tractor");
    EXPECT_ERR(brm_farm_submit_json(s, "slurm", NULL, NULL), BRM_ERR_NULL_ARGUMENT, "out_json");
    EXPECT_ERR(brm_farm_submit_json(s, "slurm", "{not json", &out), BRM_ERR_INVALID_ARGUMENT,
               "options_json");
    EXPECT_ERR(brm_farm_submit_json(s, "slurm", NULL, &out), BRM_ERR_INVALID_ARGUMENT, "scene");
    EXPECT_ERR(brm_farm_status_json(NULL, &out), BRM_ERR_NULL_ARGUMENT, "job");
    EXPECT_ERR(brm_farm_status_json("farm-1", NULL), BRM_ERR_NULL_ARGUMENT, "out_json");
    EXPECT_ERR(brm_farm_status_json(bad_utf8(), &out), BRM_ERR_INVALID_UTF8, "UTF-8");
    brm_result rc = brm_farm_status_json("farm-987654321", &out);
    CHECK(rc != BRM_OK && rc != BRM_ERR_PANIC);
    CHECK(out == sentinel);
    brm_job_spec_free(s);
}

static void test_dry_run(void) {
    const char *data = getenv("BRM_TEST_DATA");
    const char *home = getenv("BRM_HOME");
    CHECK(data != NULL && home != NULL);
    if (data == NULL || home == NULL) {
        return;
    }
    char tmpl[] = "/tmp/brm-c-farm-XXXXXX";
    char *root = mkdtemp(tmpl);
    CHECK(root != NULL);
    if (root == NULL) {
        return;
    }
    char scene[4096], opts[8192], outdir[4096];
    snprintf(scene, sizeof scene, "%s/shot.ma", data);
    snprintf(outdir, sizeof outdir, "%s/out", root);
    snprintf(opts, sizeof opts, "{\"dry_run\":\"%s/dry\",\"scene_dir\":\"%s/scenes\"}", root, root);
    brm_job_spec *s = NULL;
    EXPECT_OK(brm_job_spec_new(&s));
    EXPECT_OK(brm_job_spec_set_scene(s, scene));
    EXPECT_OK(brm_job_spec_set_frames(s, "1-4"));
    EXPECT_OK(brm_job_spec_set_output_dir(s, outdir));
    char *raw = NULL;
    brm_result rc = brm_farm_submit_json(s, "slurm", opts, &raw);
    if (rc != BRM_OK) {
        char msg[1024];
        brm_last_error(msg, sizeof msg, NULL);
        fprintf(stderr, "brm_farm_submit_json dry run: %s\n", msg);
    }
    CHECK(rc == BRM_OK && raw != NULL);
    if (raw != NULL) {
        char *json = squeeze_json(raw);
        CHECK(json != NULL && strstr(json, "\"engine\":\"slurm\"") != NULL);
        CHECK(json != NULL && strstr(json, "\"submitted\":false") != NULL);
        CHECK(json != NULL && strstr(json, "brm-farm-job.json") != NULL);
        free(json);
        brm_string_free(raw);
    }
    brm_job_spec_free(s);
}

int main(void) {
    test_misuse();
    test_dry_run();
    brm_shutdown();
    return check_report("test_farm");
}
