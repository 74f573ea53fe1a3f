/*
 * brm C ABI: jobs (src/ffi/jobs.rs): the client, the job-spec builder, submit, status, JSON,
 * logs, wait, cancel, retry, snapshot cleanup. Misuse included: NULL for each argument,
 * invalid UTF-8, bad setter values, stale job ids, no agent with autostart off.
 *
 * The job that runs is real: the agent (BRM_AGENT = the cargo-built brm) is started by
 * brm_client_new in this test's BRM_HOME. With no Maya in the environment (BRM_MAYA_ROOTS is
 * an empty dir) a .ma job is refused at submit with BRM_ERR_RENDERER_UNAVAILABLE; given the
 * fake Maya of tests/fakes (its MAYA_LOCATION set on the job) failing at start, every method
 * level fails quickly, so the job ends FAILED with brm's own log lines, which exercises
 * status, logs, wait, retry and cancel end to end. ctest stops the agent afterwards
 * (jobs_agent_stop).
 */
#define _POSIX_C_SOURCE 200809L
#include "brm_check.h"

#include <inttypes.h>
#include <time.h>

static const uint64_t STALE_ID = 987654321u;

static void test_no_agent(void) {
    const char *home = getenv("BRM_HOME");
    CHECK(home != NULL);
    char opts[4096];
    /* A home with no agent, and autostart off: unavailable, saying where it looked. */
    snprintf(opts, sizeof opts, "{\"autostart\": false, \"home\": \"%s/nobody-home\"}", home ? home : "/tmp");
    brm_client *c = (brm_client *)(void *)&c;
    brm_client *const sentinel = c;
    EXPECT_ERR(brm_client_new(opts, &c), BRM_ERR_UNAVAILABLE, "agent.sock", "nobody-home", "brm agent start");
    CHECK(c == sentinel);

    /* autostart on but the agent executable does not exist: says which paths it tried. */
    snprintf(opts, sizeof opts,
             "{\"autostart\": true, \"agent_path\": \"/nonexistent/bin/brm\", \"home\": \"%s/nobody-home\"}",
             home ? home : "/tmp");
    EXPECT_ERR(brm_client_new(opts, &c), BRM_ERR_UNAVAILABLE, "/nonexistent/bin/brm");
    CHECK(c == sentinel);

    EXPECT_ERR(brm_client_new(NULL, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_client_new("{\"autostart\": false}", NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_client_new(bad_utf8(), &c), BRM_ERR_INVALID_UTF8, "options_json");
    EXPECT_ERR(brm_client_new("not json", &c), BRM_ERR_INVALID_ARGUMENT, "autostart");
    EXPECT_ERR(brm_client_new("{\"autostart\": \"yes\"}", &c), BRM_ERR_INVALID_ARGUMENT, "");
    CHECK(c == sentinel);
    brm_client_free(NULL);
    brm_client_free(NULL);
}

/* Every setter: NULL spec, NULL value, invalid UTF-8, bad values, good values. */
static void test_spec_builder(void) {
    brm_job_spec *s = NULL;
    EXPECT_ERR(brm_job_spec_new(NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_OK(brm_job_spec_new(&s));
    CHECK(s != NULL);
    if (s == NULL) {
        return;
    }

    /* String setters. */
    brm_result (*const setters[])(brm_job_spec *, const char *) = {
        brm_job_spec_set_scene,    brm_job_spec_set_source_scene, brm_job_spec_set_name,
        brm_job_spec_add_layer,    brm_job_spec_set_frames,       brm_job_spec_set_gpu,
        brm_job_spec_set_method,   brm_job_spec_set_renderer,     brm_job_spec_set_output_dir,
        brm_job_spec_set_camera,   brm_job_spec_set_order,
    };
    const char *const good[] = {"/proj/shot.ma", "/proj/shot.ma", "shot 10", "beauty", "1-10x2",
                                "cpu",           "render",        "arnold",  "/tmp/out", "persp",
                                "interleaved"};
    for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++) {
        EXPECT_ERR(setters[i](NULL, good[i]), BRM_ERR_NULL_ARGUMENT, "spec");
        EXPECT_ERR(setters[i](s, NULL), BRM_ERR_NULL_ARGUMENT, "NULL");
        EXPECT_ERR(setters[i](s, bad_utf8()), BRM_ERR_INVALID_UTF8, "UTF-8");
        EXPECT_OK(setters[i](s, good[i]));
    }
    EXPECT_ERR(brm_job_spec_set_scene(s, ""), BRM_ERR_INVALID_ARGUMENT, "scene");
    EXPECT_ERR(brm_job_spec_set_source_scene(s, "  "), BRM_ERR_INVALID_ARGUMENT, "scene");
    EXPECT_ERR(brm_job_spec_add_layer(s, ""), BRM_ERR_INVALID_ARGUMENT, "layer");
    EXPECT_OK(brm_job_spec_add_layer(s, "beauty")); /* a duplicate is fine */
    EXPECT_ERR(brm_job_spec_set_frames(s, "1-x"), BRM_ERR_FRAME_SYNTAX, "");
    EXPECT_ERR(brm_job_spec_set_frames(s, "1-100000000"), BRM_ERR_TOO_MANY_FRAMES, "");
    EXPECT_ERR(brm_job_spec_set_gpu(s, "banana"), BRM_ERR_INVALID_ARGUMENT, "banana");
    EXPECT_ERR(brm_job_spec_set_gpu(s, ""), BRM_ERR_INVALID_ARGUMENT, "");
    EXPECT_OK(brm_job_spec_set_gpu(s, "auto"));
    EXPECT_OK(brm_job_spec_set_gpu(s, "0,1"));
    EXPECT_OK(brm_job_spec_set_gpu(s, "GPU-11111111-2222-3333-4444-555555555555"));
    EXPECT_ERR(brm_job_spec_set_method(s, "fastest"), BRM_ERR_INVALID_ARGUMENT, "fastest");
    EXPECT_OK(brm_job_spec_set_method(s, "mayapy-basic"));
    EXPECT_ERR(brm_job_spec_set_order(s, "random"), BRM_ERR_INVALID_ARGUMENT, "random");
    EXPECT_ERR(brm_job_spec_set_renderer(s, ""), BRM_ERR_INVALID_ARGUMENT, "renderer");
    EXPECT_ERR(brm_job_spec_set_output_dir(s, ""), BRM_ERR_INVALID_ARGUMENT, "output");
    EXPECT_ERR(brm_job_spec_set_camera(s, ""), BRM_ERR_INVALID_ARGUMENT, "camera");

    /* Number setters. */
    EXPECT_ERR(brm_job_spec_set_chunk_size(NULL, 5), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_OK(brm_job_spec_set_chunk_size(s, 0));
    EXPECT_OK(brm_job_spec_set_chunk_size(s, UINT32_MAX));
    EXPECT_ERR(brm_job_spec_set_priority(NULL, 1), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_OK(brm_job_spec_set_priority(s, INT32_MIN));
    EXPECT_OK(brm_job_spec_set_priority(s, INT32_MAX));
    EXPECT_ERR(brm_job_spec_set_timeouts(NULL, 1, 1), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_OK(brm_job_spec_set_timeouts(s, 0, 0));
    EXPECT_OK(brm_job_spec_set_timeouts(s, UINT64_MAX, UINT64_MAX));
    /* Warm sessions opt-out (issue 13). */
    EXPECT_ERR(brm_job_spec_set_cold(NULL, 1), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_OK(brm_job_spec_set_cold(s, 1));
    EXPECT_OK(brm_job_spec_set_cold(s, 0));

    /* Environment. */
    EXPECT_ERR(brm_job_spec_set_env(NULL, "A", "1"), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_ERR(brm_job_spec_set_env(s, NULL, "1"), BRM_ERR_NULL_ARGUMENT, "name");
    EXPECT_ERR(brm_job_spec_set_env(s, "A", NULL), BRM_ERR_NULL_ARGUMENT, "value");
    EXPECT_ERR(brm_job_spec_set_env(s, bad_utf8(), "1"), BRM_ERR_INVALID_UTF8, "name");
    EXPECT_ERR(brm_job_spec_set_env(s, "A", bad_utf8()), BRM_ERR_INVALID_UTF8, "value");
    EXPECT_ERR(brm_job_spec_set_env(s, "", "1"), BRM_ERR_INVALID_ARGUMENT, "name");
    EXPECT_ERR(brm_job_spec_set_env(s, "A=B", "1"), BRM_ERR_INVALID_ARGUMENT, "=");
    EXPECT_OK(brm_job_spec_set_env(s, "BRM_C_TEST", "1"));
    EXPECT_OK(brm_job_spec_set_env(s, "BRM_C_TEST", "2")); /* replaces */

    /* Huge values (10 MB): accepted or refused with a message, never a crash. */
    const size_t big = 10u * 1024u * 1024u;
    char *huge = (char *)malloc(big + 1);
    if (huge == NULL) {
        abort();
    }
    memset(huge, 'n', big);
    huge[big] = '\0';
    EXPECT_OK(brm_job_spec_set_name(s, huge));
    EXPECT_OK(brm_job_spec_set_env(s, "BRM_C_TEST_BIG", huge));
    EXPECT_ERR(brm_job_spec_set_frames(s, huge), BRM_ERR_FRAME_SYNTAX, "byte 0");
    size_t need = 0;
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL && need < 4096);
    /* Bad values echo the input in their message (plan's FromStr; a 10 MB value gives a
     * 10 MB message, reported to the lead): check only that each fails cleanly with one. */
    CHECK(brm_job_spec_set_gpu(s, huge) == BRM_ERR_INVALID_ARGUMENT);
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL && need > 10);
    CHECK(brm_job_spec_set_method(s, huge) == BRM_ERR_INVALID_ARGUMENT);
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL && need > 10);
    CHECK(brm_job_spec_set_order(s, huge) == BRM_ERR_INVALID_ARGUMENT);
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL && need > 10);
    free(huge);

    brm_job_spec_free(s);
    brm_job_spec_free(NULL);
    brm_job_spec_free(NULL);
}

/* Every client call with a NULL client or NULL out-parameter. */
static void test_null_client_calls(brm_client *c) {
    uint64_t id = 77;
    brm_job_spec *s = NULL;
    EXPECT_OK(brm_job_spec_new(&s));
    brm_job_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    char *json = NULL;
    brm_log_batch *b = NULL;
    uint32_t state = 99;
    uint32_t removed = 99;

    EXPECT_ERR(brm_submit(NULL, s, &id), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_submit(c, NULL, &id), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_ERR(brm_submit(c, s, NULL), BRM_ERR_NULL_ARGUMENT, "out_job_id");
    EXPECT_ERR(brm_submit(c, s, &id), BRM_ERR_INVALID_ARGUMENT, "brm_job_spec_set_scene");
    CHECK(id == 77);
    EXPECT_ERR(brm_job_status(NULL, 1, &info), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_job_status(c, 1, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_jobs_json(NULL, &json), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_jobs_json(c, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_job_json(NULL, 1, &json), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_job_json(c, 1, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    CHECK(json == NULL);
    EXPECT_ERR(brm_poll_logs(NULL, 1, 0, 10, &b), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_poll_logs(c, 1, 0, 10, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_poll_logs(c, 1, 0, 0, &b), BRM_ERR_INVALID_ARGUMENT, "max_lines");
    EXPECT_ERR(brm_poll_logs_stream(NULL, 1, 0, 10, 1, &b), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_poll_logs_stream(c, 1, 0, 10, 1, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_poll_logs_stream(c, 1, 0, 10, 7, &b), BRM_ERR_INVALID_ARGUMENT, "stream 7");
    CHECK(b == NULL);
    EXPECT_ERR(brm_wait(NULL, 1, 10, &state), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_cancel(NULL, 1, 0), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_retry(NULL, 1), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_pause(NULL, 1, &state), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_resume(NULL, 1, &state), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_set_priority(NULL, 1, 5, &state), BRM_ERR_NULL_ARGUMENT, "client");
    uint32_t queued = 99;
    EXPECT_ERR(brm_retry_frames(NULL, 1, "1-3", &queued), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_retry_frames(c, 1, NULL, &queued), BRM_ERR_NULL_ARGUMENT, "frames");
    CHECK(queued == 99);
    char *preview = NULL;
    EXPECT_ERR(brm_job_preview_path(NULL, 1, &preview), BRM_ERR_NULL_ARGUMENT, "client");
    EXPECT_ERR(brm_job_preview_path(c, 1, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    CHECK(preview == NULL);
    EXPECT_ERR(brm_job_spec_set_after(NULL, 3), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_OK(brm_job_spec_set_after(s, 3));
    EXPECT_OK(brm_job_spec_set_after(s, 0));
    EXPECT_ERR(brm_cleanup_snapshots(NULL, &removed), BRM_ERR_NULL_ARGUMENT, "client");
    CHECK(state == 99 && removed == 99);

    /* Batch accessors on NULL: neutral answers, never a crash. */
    brm_log_line line;
    CHECK(brm_log_batch_len(NULL) == 0);
    CHECK(brm_log_batch_next_seq(NULL) == 0);
    CHECK(!brm_log_batch_complete(NULL));
    EXPECT_ERR(brm_log_batch_line(NULL, 0, &line), BRM_ERR_NULL_ARGUMENT, "batch");
    brm_log_batch_free(NULL);
    brm_log_batch_free(NULL);
    brm_job_spec_free(s);
}

static void test_stale_ids(brm_client *c) {
    brm_job_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    char *json = NULL;
    brm_log_batch *b = NULL;
    uint32_t state = 99;
    char id_text[32];
    snprintf(id_text, sizeof id_text, "%" PRIu64, STALE_ID);
    EXPECT_ERR(brm_job_status(c, STALE_ID, &info), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_job_json(c, STALE_ID, &json), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_poll_logs(c, STALE_ID, 0, 10, &b), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_wait(c, STALE_ID, 10, &state), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_cancel(c, STALE_ID, 0), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_retry(c, STALE_ID), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_pause(c, STALE_ID, &state), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_resume(c, STALE_ID, NULL), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_set_priority(c, STALE_ID, 5, &state), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_retry_frames(c, STALE_ID, "1", NULL), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_job_preview_path(c, STALE_ID, &json), BRM_ERR_NOT_FOUND, id_text);
    EXPECT_ERR(brm_job_status(c, 0, &info), BRM_ERR_NOT_FOUND, "");
    CHECK(json == NULL && b == NULL && state == 99);
}

/* Poll the whole log with a small page size; returns the number of lines, checks the seq
 * protocol (increasing, none repeated) and that brm's own notes are there. */
static size_t read_all_logs(brm_client *c, uint64_t id, int *saw_brm_note) {
    uint64_t after = 0;
    uint64_t last_seq = 0;
    size_t total = 0;
    for (int round = 0; round < 10000; round++) {
        brm_log_batch *b = NULL;
        brm_result rc = brm_poll_logs(c, id, after, 3, &b);
        CHECK(rc == BRM_OK);
        if (rc != BRM_OK) {
            break;
        }
        size_t n = brm_log_batch_len(b);
        CHECK(n <= 3);
        for (size_t i = 0; i < n; i++) {
            brm_log_line line;
            memset(&line, 0, sizeof line);
            EXPECT_OK(brm_log_batch_line(b, i, &line));
            CHECK(line.seq > last_seq);
            last_seq = line.seq;
            CHECK(line.stream == 0 || line.stream == 1);
            CHECK(line.time_ms > 0);
            CHECK(line.text != NULL && strlen(line.text) == line.text_len);
            if (line.stream == 1 && line.text != NULL && strstr(line.text, "Maya") != NULL) {
                *saw_brm_note = 1;
            }
        }
        brm_log_line past;
        EXPECT_ERR(brm_log_batch_line(b, n, &past), BRM_ERR_INVALID_ARGUMENT, "out of range");
        EXPECT_ERR(brm_log_batch_line(b, 0, NULL), BRM_ERR_NULL_ARGUMENT, "out");
        total += n;
        int complete = brm_log_batch_complete(b);
        uint64_t next = brm_log_batch_next_seq(b);
        CHECK(next >= after);
        after = next;
        brm_log_batch_free(b);
        if (n == 0 && complete) {
            break;
        }
        if (n == 0 && round > 100) {
            CHECK(!"log of a finished job never reported complete");
            break;
        }
    }
    return total;
}

static void test_job_lifecycle(brm_client *c) {
    const char *data = getenv("BRM_TEST_DATA");
    const char *home = getenv("BRM_HOME");
    CHECK(data != NULL && home != NULL);
    if (data == NULL || home == NULL) {
        return;
    }
    char scene[4096];
    char out_dir[4096];
    snprintf(scene, sizeof scene, "%s/shot.ma", data);
    snprintf(out_dir, sizeof out_dir, "%s/renders", home);

    char *json = NULL;
    EXPECT_OK(brm_jobs_json(c, &json));
    CHECK(json != NULL && strcmp(json, "[]") == 0); /* fresh BRM_HOME */
    brm_string_free(json);

    /* A scene that does not exist is refused at submit. */
    brm_job_spec *s = NULL;
    uint64_t id = 0;
    EXPECT_OK(brm_job_spec_new(&s));
    EXPECT_OK(brm_job_spec_set_scene(s, "/nonexistent/shot.ma"));
    brm_result rc = brm_submit(c, s, &id);
    CHECK(rc == BRM_ERR_NOT_FOUND || rc == BRM_ERR_IO);
    CHECK(id == 0);
    brm_job_spec_free(s);

    s = NULL;
    EXPECT_OK(brm_job_spec_new(&s));
    EXPECT_OK(brm_job_spec_set_scene(s, scene));
    EXPECT_OK(brm_job_spec_set_name(s, "c-abi-test"));
    EXPECT_OK(brm_job_spec_set_frames(s, "1-3"));
    EXPECT_OK(brm_job_spec_set_gpu(s, "cpu"));
    EXPECT_OK(brm_job_spec_set_output_dir(s, out_dir));
    EXPECT_OK(brm_job_spec_set_env(s, "BRM_C_TEST", "1"));

    /* No Maya in the job's environment: refused at once with its own result code and one
     * message naming what was searched (not a failed job). */
    EXPECT_ERR(brm_submit(c, s, &id), BRM_ERR_RENDERER_UNAVAILABLE, "MAYA_LOCATION unset", "no-maya");
    CHECK(id == 0);

    /* The job's own environment decides: brm's fake Maya, failing at start on every level. */
    char fake_maya[4096];
    snprintf(fake_maya, sizeof fake_maya, "%s/../../fakes/maya2025", data);
    EXPECT_OK(brm_job_spec_set_env(s, "MAYA_LOCATION", fake_maya));
    EXPECT_OK(brm_job_spec_set_env(s, "BRM_FAKE_FAIL", "start"));
    EXPECT_OK(brm_submit(c, s, &id));
    CHECK(id > 0);
    brm_job_spec_free(s);

    /* Wait: every level fails fast, so the job ends FAILED. */
    uint32_t state = 99;
    rc = brm_wait(c, id, 60000, &state);
    CHECK(rc == BRM_OK || rc == BRM_ERR_JOB_FAILED);
    CHECK(state == BRM_JOB_FAILED);
    EXPECT_OK(brm_wait(c, id, 0, NULL)); /* finished: returns at once; NULL out_state allowed */

    /* Status: full struct, and an older caller's smaller struct gets only what fits. */
    brm_job_info info;
    memset(&info, 0xEE, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    EXPECT_OK(brm_job_status(c, id, &info));
    CHECK(info.struct_size == sizeof info);
    CHECK(info.job_id == id);
    CHECK(info.state == BRM_JOB_FAILED);
    CHECK(info.frames_total == 3 && info.frames_done == 0);
    CHECK(info.tasks_total >= 1 && info.tasks_running == 0);
    CHECK(info.progress >= 0.0 && info.progress <= 1.0);
    CHECK(info.submitted_ms > 0 && info.finished_ms >= info.submitted_ms);

    struct {
        brm_job_info head;
        uint64_t guard;
    } small;
    memset(&small, 0xEE, sizeof small);
    const size_t small_size = offsetof(brm_job_info, state) + sizeof(uint32_t);
    small.head.struct_size = (uint32_t)small_size;
    EXPECT_OK(brm_job_status(c, id, &small.head));
    CHECK(small.head.struct_size == small_size);
    CHECK(small.head.job_id == id && small.head.state == BRM_JOB_FAILED);
    CHECK(small.head.frames_total == 0xEEEEEEEEEEEEEEEEu); /* past struct_size: untouched */
    CHECK(small.guard == 0xEEEEEEEEEEEEEEEEu);
    memset(&info, 0, sizeof info);
    info.struct_size = 4; /* too small to hold even the state */
    EXPECT_ERR(brm_job_status(c, id, &info), BRM_ERR_INVALID_ARGUMENT, "struct_size", "sizeof(brm_job_info)");

    /* JSON views. */
    json = NULL;
    EXPECT_OK(brm_jobs_json(c, &json));
    CHECK(json != NULL && strstr(json, "c-abi-test") != NULL);
    brm_string_free(json);
    json = NULL;
    EXPECT_OK(brm_job_json(c, id, &json));
    char *sq = json ? squeeze_json(json) : NULL;
    CHECK(sq != NULL && strstr(sq, "\"log_path\":") != NULL);
    CHECK(sq != NULL && strstr(sq, out_dir) != NULL);
    free(sq);
    brm_string_free(json);

    /* Logs: brm's own notes say why it failed (the fake Maya's start-up error). */
    int saw_note = 0;
    size_t lines = read_all_logs(c, id, &saw_note);
    CHECK(lines > 0);
    CHECK(saw_note);
    /* Only brm's notes: every line is stream 1, and the cursor reaches the end of the log. */
    {
        uint64_t after = 0;
        size_t notes = 0;
        for (int round = 0; round < 1000; round++) {
            brm_log_batch *nb = NULL;
            EXPECT_OK(brm_poll_logs_stream(c, id, after, 2, 1, &nb));
            size_t n = brm_log_batch_len(nb);
            for (size_t i = 0; i < n; i++) {
                brm_log_line line;
                EXPECT_OK(brm_log_batch_line(nb, i, &line));
                CHECK(line.stream == 1);
                notes++;
            }
            uint64_t next = brm_log_batch_next_seq(nb);
            int done = brm_log_batch_complete(nb) || next == after;
            after = next;
            brm_log_batch_free(nb);
            if (done) {
                break;
            }
        }
        CHECK(notes > 0);
        brm_log_batch *all = NULL;
        EXPECT_OK(brm_poll_logs_stream(c, id, 0, 100000, BRM_LOG_ALL_STREAMS, &all));
        CHECK(brm_log_batch_len(all) >= notes);
        brm_log_batch_free(all);
    }
    /* Polling past the end gives an empty, complete batch and keeps the cursor. */
    brm_log_batch *b = NULL;
    EXPECT_OK(brm_poll_logs(c, id, UINT64_MAX - 1, 10, &b));
    CHECK(brm_log_batch_len(b) == 0);
    brm_log_batch_free(b);

    /* Cancel a finished job: idempotent, changes nothing. */
    EXPECT_OK(brm_cancel(c, id, 0));
    EXPECT_OK(brm_cancel(c, id, 100));
    memset(&info, 0, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    EXPECT_OK(brm_job_status(c, id, &info));
    CHECK(info.state == BRM_JOB_FAILED);
    /* Pause/resume a finished job: refused, nothing written, the job unchanged. */
    state = 99;
    EXPECT_ERR(brm_pause(c, id, &state), BRM_ERR_INVALID_ARGUMENT, "only queued or running");
    EXPECT_ERR(brm_resume(c, id, NULL), BRM_ERR_INVALID_ARGUMENT, "only queued or running");
    CHECK(state == 99);
    /* A finished job: its priority no longer matters; frames it does not have are refused;
     * no frame was verified, so there is no preview. */
    EXPECT_ERR(brm_set_priority(c, id, 5, &state), BRM_ERR_INVALID_ARGUMENT, "brm retry");
    uint32_t queued = 99;
    EXPECT_ERR(brm_retry_frames(c, id, "999999", &queued), BRM_ERR_INVALID_ARGUMENT, "has no frame 999999");
    EXPECT_ERR(brm_retry_frames(c, id, "1:3", &queued), BRM_ERR_FRAME_SYNTAX, "");
    CHECK(state == 99 && queued == 99);
    char *preview = NULL;
    EXPECT_ERR(brm_job_preview_path(c, id, &preview), BRM_ERR_NOT_FOUND, "no preview yet");
    CHECK(preview == NULL);

    /* Retry: queued again, fails again the same way; the log grows, seqs keep increasing. */
    EXPECT_OK(brm_retry(c, id));
    state = 99;
    rc = brm_wait(c, id, 60000, &state);
    CHECK(rc == BRM_OK || rc == BRM_ERR_JOB_FAILED);
    CHECK(state == BRM_JOB_FAILED);
    saw_note = 0;
    CHECK(read_all_logs(c, id, &saw_note) > lines);

    uint32_t removed = 99;
    EXPECT_OK(brm_cleanup_snapshots(c, &removed));
    CHECK(removed != 99);
    EXPECT_OK(brm_cleanup_snapshots(c, NULL));
}

/* Pause, resume and the ETA (issue 12): a slow render (fake Maya, 0.4 s a frame) reports an
 * ETA once a frame was measured, reads BRM_JOB_PAUSED while paused (ETA unknown: -1), and
 * ends DONE with an ETA of 0 once resumed. */
static void test_pause_and_eta(brm_client *c) {
    const char *data = getenv("BRM_TEST_DATA");
    const char *home = getenv("BRM_HOME");
    if (data == NULL || home == NULL) {
        return;
    }
    char scene[4096], out_dir[4096], fake_maya[4096];
    snprintf(scene, sizeof scene, "%s/shot.ma", data);
    snprintf(out_dir, sizeof out_dir, "%s/renders-pause", home);
    snprintf(fake_maya, sizeof fake_maya, "%s/../../fakes/maya2025", data);
    brm_job_spec *s = NULL;
    uint64_t id = 0;
    EXPECT_OK(brm_job_spec_new(&s));
    EXPECT_OK(brm_job_spec_set_scene(s, scene));
    EXPECT_OK(brm_job_spec_set_name(s, "c-abi-pause"));
    EXPECT_OK(brm_job_spec_set_frames(s, "1-8"));
    EXPECT_OK(brm_job_spec_set_chunk_size(s, 2));
    EXPECT_OK(brm_job_spec_set_gpu(s, "cpu"));
    EXPECT_OK(brm_job_spec_set_method(s, "render"));
    EXPECT_OK(brm_job_spec_set_output_dir(s, out_dir));
    EXPECT_OK(brm_job_spec_set_env(s, "MAYA_LOCATION", fake_maya));
    EXPECT_OK(brm_job_spec_set_env(s, "BRM_FAKE_FRAME_SECONDS", "0.4"));
    EXPECT_OK(brm_submit(c, s, &id));
    brm_job_spec_free(s);
    CHECK(id > 0);

    brm_job_info info;
    int measured = 0;
    for (int i = 0; i < 600 && !measured; i++) {
        memset(&info, 0, sizeof info);
        info.struct_size = (uint32_t)sizeof info;
        EXPECT_OK(brm_job_status(c, id, &info));
        measured = info.state == BRM_JOB_RUNNING && info.frames_done >= 1 && info.eta_s >= 0;
        if (!measured) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    CHECK(measured);
    CHECK(info.eta_s > 0 && info.eta_s < 120);

    uint32_t st = 99;
    EXPECT_OK(brm_pause(c, id, &st));
    CHECK(st == BRM_JOB_PAUSED);
    memset(&info, 0, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    EXPECT_OK(brm_job_status(c, id, &info));
    CHECK(info.state == BRM_JOB_PAUSED);
    CHECK(info.eta_s == -1);
    EXPECT_OK(brm_resume(c, id, NULL));
    st = 99;
    EXPECT_OK(brm_wait(c, id, 120000, &st));
    CHECK(st == BRM_JOB_DONE);
    memset(&info, 0, sizeof info);
    info.struct_size = (uint32_t)sizeof info;
    EXPECT_OK(brm_job_status(c, id, &info));
    CHECK(info.frames_done == 8 && info.eta_s == 0);
}

int main(void) {
    test_no_agent();
    test_spec_builder();

    /* The real agent, started on demand in this test's BRM_HOME. */
    brm_client *c = NULL;
    EXPECT_OK(brm_client_new("{\"connect_timeout_ms\": 20000}", &c));
    CHECK(c != NULL);
    if (c != NULL) {
        test_null_client_calls(c);
        test_stale_ids(c);
        test_job_lifecycle(c);
        test_pause_and_eta(c);
        /* A second client to the same agent sees the same jobs. */
        brm_client *c2 = NULL;
        EXPECT_OK(brm_client_new(NULL, &c2));
        char *json = NULL;
        EXPECT_OK(brm_jobs_json(c2, &json));
        CHECK(json != NULL && strstr(json, "c-abi-test") != NULL);
        brm_string_free(json);
        brm_client_free(c2);
    }
    brm_client_free(c);
    brm_shutdown();
    brm_shutdown();
    /* Usable again after shutdown. */
    brm_job_spec *s = NULL;
    EXPECT_OK(brm_job_spec_new(&s));
    brm_job_spec_free(s);
    return check_report("test_jobs");
}
