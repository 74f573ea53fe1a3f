/*
 * brm C ABI: the conventions every entry point shares (src/ffi/mod.rs).
 * brm_version, brm_abi_version, brm_last_error (needed-size protocol, per-thread),
 * brm_string_free(NULL), brm_shutdown twice and use afterwards; the name lists
 * (src/ffi/lists.rs): brm_renderers_json, brm_methods_json, brm_methods_for_host_json,
 * brm_job_states_json.
 */
#include "brm_check.h"

#include <ctype.h>

#ifndef __STDC_NO_THREADS__
#include <threads.h>
#endif

static void test_versions(void) {
    const char *v = brm_version();
    CHECK(v != NULL);
    if (v == NULL) {
        return;
    }
    /* "MAJOR.MINOR.PATCH" digits and dots, and the version Cargo.toml declares. */
    CHECK(isdigit((unsigned char)v[0]));
    CHECK(strchr(v, '.') != NULL);
    CHECK(strcmp(v, BRM_EXPECTED_VERSION) == 0);
    CHECK(brm_version() == v); /* static storage, same pointer every time */
    CHECK(brm_abi_version() == BRM_ABI_VERSION);
    CHECK(BRM_ABI_VERSION >= 1);
}

/* Runs first on a fresh thread: before any failure the message is empty (needed size 1). */
static int fresh_thread_has_empty_error(void *arg) {
    (void)arg;
    size_t need = 0;
    char buf[8] = {'x', 'x', 0};
    if (brm_last_error(buf, sizeof buf, &need) != BRM_OK) {
        return 1;
    }
    if (need != 1 || buf[0] != 0) {
        return 2;
    }
    return 0;
}

static void test_last_error_protocol(void) {
#ifndef __STDC_NO_THREADS__
    thrd_t t;
    int res = -1;
    CHECK(thrd_create(&t, fresh_thread_has_empty_error, NULL) == thrd_success);
    CHECK(thrd_join(t, &res) == thrd_success);
    CHECK(res == 0);
#endif

    /* NULL buffer and NULL out_needed: "too small", never a crash. */
    brm_result rc = brm_last_error(NULL, 0, NULL);
    CHECK(rc == BRM_ERR_BUFFER_TOO_SMALL);

    size_t need = 0;
    rc = brm_last_error(NULL, 0, &need);
    CHECK(rc == BRM_ERR_BUFFER_TOO_SMALL);
    CHECK(need >= 1);

    /* NULL buffer with a non-zero length is still "too small", never a write. */
    size_t need_again = 0;
    CHECK(brm_last_error(NULL, 100, &need_again) == BRM_ERR_BUFFER_TOO_SMALL);
    CHECK(need_again == need);
}

/* After a failure: the message survives reads and fits the needed-size protocol exactly
 * (len = needed - 1 fails and writes nothing; len = needed succeeds). */
static void check_message_protocol(const char *expect_substring) {
    size_t need = 0;
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL);
    CHECK(need > 10);
    char *exact = (char *)malloc(need);
    char *small = (char *)malloc(need - 1);
    CHECK(exact != NULL && small != NULL);
    if (exact == NULL || small == NULL) {
        abort();
    }
    memset(small, 'Z', need - 1);
    size_t need_small = 0;
    CHECK(brm_last_error(small, need - 1, &need_small) == BRM_ERR_BUFFER_TOO_SMALL);
    CHECK(need_small == need);
    CHECK(small[0] == 'Z'); /* nothing written on failure */
    size_t need_exact = 0;
    CHECK(brm_last_error(exact, need, &need_exact) == BRM_OK);
    CHECK(need_exact == need);
    CHECK(strlen(exact) + 1 == need);
    CHECK(strstr(exact, expect_substring) != NULL);
    /* Reading does not clear it; NULL out_needed is fine with a big enough buffer. */
    char big[4096];
    CHECK(brm_last_error(big, sizeof big, NULL) == BRM_OK);
    CHECK(strcmp(big, exact) == 0);
    free(exact);
    free(small);
}

#ifndef __STDC_NO_THREADS__
static int other_thread_does_not_see_error(void *arg) {
    (void)arg;
    size_t need = 0;
    char buf[4];
    return brm_last_error(buf, sizeof buf, &need) == BRM_OK && need == 1 ? 0 : 1;
}
#endif

static void test_string_free_and_shutdown(void) {
    brm_string_free(NULL);
    brm_string_free(NULL);
    brm_shutdown();
    brm_shutdown();
    /* Still usable after shutdown. */
    CHECK(brm_abi_version() == BRM_ABI_VERSION);
    CHECK(brm_version() != NULL);
}

/* The name lists: JSON from the registry and the state types, out-param only on success. */
static void test_lists(void) {
    char *raw = NULL;
    EXPECT_OK(brm_renderers_json(&raw));
    char *j = raw ? squeeze_json(raw) : NULL;
    CHECK(j != NULL && j[0] == '[');
    CHECK(j != NULL && strstr(j, "{\"name\":\"redshift\",\"aliases\":[") != NULL);
    CHECK(j != NULL && strstr(j, "\"name\":\"mayaHardware2\"") != NULL);
    CHECK(j != NULL && strstr(j, "\"name\":\"blender\",\"aliases\":[") != NULL);
    CHECK(j != NULL && strstr(j, "\"host\":\"blender\"") != NULL);
    free(j);
    brm_string_free(raw);

    raw = NULL;
    EXPECT_OK(brm_methods_json(&raw));
    CHECK(raw != NULL && strncmp(raw, "[\"auto\",\"mayapy-custom\",", 24) == 0);
    brm_string_free(raw);

    /* The methods a scene of one host can use: Maya's four, Blender's own, auto for both. */
    raw = NULL;
    EXPECT_OK(brm_methods_for_host_json("maya", &raw));
    j = raw ? squeeze_json(raw) : NULL;
    CHECK(j != NULL && strcmp(j, "[\"auto\",\"mayapy-custom\",\"render\",\"mayapy-basic\"]") == 0);
    free(j);
    brm_string_free(raw);
    raw = NULL;
    EXPECT_OK(brm_methods_for_host_json("blender", &raw));
    j = raw ? squeeze_json(raw) : NULL;
    CHECK(j != NULL && strcmp(j, "[\"auto\",\"blender\"]") == 0);
    free(j);
    brm_string_free(raw);
    char *untouched = (char *)(void *)&untouched;
    char *const keep = untouched;
    EXPECT_ERR(brm_methods_for_host_json("houdini", &untouched), BRM_ERR_INVALID_ARGUMENT,
               "houdini", "maya, blender");
    CHECK(untouched == keep);
    EXPECT_ERR(brm_methods_for_host_json(NULL, &raw), BRM_ERR_NULL_ARGUMENT, "host");
    EXPECT_ERR(brm_methods_for_host_json("maya", NULL), BRM_ERR_NULL_ARGUMENT, "out");

    raw = NULL;
    EXPECT_OK(brm_job_states_json(&raw));
    j = raw ? squeeze_json(raw) : NULL;
    CHECK(j != NULL && strstr(j, "{\"name\":\"queued\",\"code\":0,\"final\":false}") != NULL);
    CHECK(j != NULL && strstr(j, "{\"name\":\"cancelled\",\"code\":4,\"final\":true}") != NULL);
    CHECK(j != NULL && strstr(j, "{\"name\":\"paused\",\"code\":5,\"final\":false}") != NULL);
    CHECK(j != NULL && strstr(j, "\"task\":[\"queued\",") != NULL);
    free(j);
    brm_string_free(raw);

    EXPECT_ERR(brm_renderers_json(NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_methods_json(NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_job_states_json(NULL), BRM_ERR_NULL_ARGUMENT, "out");
}

int main(void) {
    test_versions();
    test_last_error_protocol();

    /* A real failure from a fallible entry point: brm_frames_parse with a NULL spec is the
     * simplest one; brm_last_error must then describe it. */
    brm_frameset *fs = (brm_frameset *)(void *)&fs; /* sentinel: must stay untouched */
    brm_frameset *const sentinel = fs;
    EXPECT_ERR(brm_frames_parse(NULL, &fs), BRM_ERR_NULL_ARGUMENT, "spec", "NULL");
    CHECK(fs == sentinel);
    check_message_protocol("spec");
#ifndef __STDC_NO_THREADS__
    thrd_t t;
    int res = -1;
    CHECK(thrd_create(&t, other_thread_does_not_see_error, NULL) == thrd_success);
    CHECK(thrd_join(t, &res) == thrd_success);
    CHECK(res == 0);
#endif
    /* A later success does not clear the message (rustls-ffi convention: only failures set it). */
    CHECK(brm_abi_version() == BRM_ABI_VERSION);
    check_message_protocol("spec");

    test_string_free_and_shutdown();
    /* After shutdown the library works again, errors included. */
    EXPECT_ERR(brm_frames_parse(bad_utf8(), &fs), BRM_ERR_INVALID_UTF8, "UTF-8", "spec");
    CHECK(fs == sentinel);
    EXPECT_OK(brm_frames_parse("1-3", &fs));
    CHECK(fs != sentinel && fs != NULL);
    brm_frameset_free(fs);
    brm_shutdown();
    test_lists();
    return check_report("test_core");
}
