/*
 * brm C ABI: frame sets (src/ffi/frames.rs): brm_frames_parse, brm_frames_parse_with_cap,
 * brm_frameset_len, brm_frameset_frames (paging), brm_frameset_compact, brm_frameset_free.
 * Misuse included: NULL for each argument, invalid UTF-8, a 10 MB spec, frame counts over
 * the cap, small buffers, freeing NULL.
 */
#include "brm_check.h"

#include <inttypes.h>

static brm_frameset *parse_ok(const char *spec) {
    brm_frameset *fs = NULL;
    EXPECT_OK(brm_frames_parse(spec, &fs));
    CHECK(fs != NULL);
    return fs;
}

static uint64_t len_of(const brm_frameset *fs) {
    uint64_t n = UINT64_MAX;
    EXPECT_OK(brm_frameset_len(fs, &n));
    return n;
}

static void test_parse_and_read(void) {
    brm_frameset *fs = parse_ok("1-10x3, 20, 5");
    if (fs == NULL) {
        return;
    }
    CHECK(len_of(fs) == 6); /* 1 4 7 10 20 5 */

    int64_t buf[16];
    size_t written = 999;
    EXPECT_OK(brm_frameset_frames(fs, 0, buf, 16, &written));
    CHECK(written == 6);
    const int64_t want[] = {1, 4, 7, 10, 20, 5};
    for (size_t i = 0; i < 6 && i < written; i++) {
        CHECK(buf[i] == want[i]);
    }

    char *compact = NULL;
    EXPECT_OK(brm_frameset_compact(fs, &compact));
    CHECK(compact != NULL && strlen(compact) > 0);
    /* The compact form parses back to the same frames. */
    if (compact != NULL) {
        brm_frameset *again = parse_ok(compact);
        if (again != NULL) {
            CHECK(len_of(again) == 6);
            int64_t buf2[16];
            size_t w2 = 0;
            EXPECT_OK(brm_frameset_frames(again, 0, buf2, 16, &w2));
            CHECK(w2 == 6 && memcmp(buf, buf2, 6 * sizeof(int64_t)) == 0);
        }
        brm_frameset_free(again);
    }
    brm_string_free(compact);
    brm_frameset_free(fs);
}

/* Page through a big set with a small buffer, as a UI would. */
static void test_paging(void) {
    brm_frameset *fs = parse_ok("-5-1000");
    if (fs == NULL) {
        return;
    }
    const uint64_t n = len_of(fs);
    CHECK(n == 1006);
    int64_t page[7];
    uint64_t offset = 0;
    int64_t expect = -5;
    size_t pages = 0;
    for (;;) {
        size_t written = 999;
        brm_result rc = brm_frameset_frames(fs, offset, page, 7, &written);
        CHECK(rc == BRM_OK);
        if (rc != BRM_OK || written == 0) {
            break;
        }
        CHECK(written <= 7);
        for (size_t i = 0; i < written; i++) {
            CHECK(page[i] == expect);
            expect++;
        }
        offset += written;
        pages++;
        if (pages > 1000) {
            CHECK(!"paging does not terminate");
            break;
        }
    }
    CHECK(offset == n);
    CHECK(expect == 1001);
    CHECK(pages == (1006 + 6) / 7);

    /* Offset at or past the end: nothing written, not an error. */
    size_t written = 999;
    EXPECT_OK(brm_frameset_frames(fs, n, page, 7, &written));
    CHECK(written == 0);
    written = 999;
    EXPECT_OK(brm_frameset_frames(fs, UINT64_MAX, page, 7, &written));
    CHECK(written == 0);
    /* cap 0 with a NULL buffer: a valid way to copy nothing. */
    written = 999;
    EXPECT_OK(brm_frameset_frames(fs, 0, NULL, 0, &written));
    CHECK(written == 0);
    brm_frameset_free(fs);
}

static void test_null_arguments(void) {
    brm_frameset *fs = parse_ok("1-3");
    brm_frameset *out = (brm_frameset *)(void *)&out; /* sentinel */
    brm_frameset *const sentinel = out;
    uint64_t n = 77;
    int64_t buf[4] = {9, 9, 9, 9};
    size_t written = 77;
    char *s = (char *)(void *)&s;
    char *const s_sentinel = s;

    EXPECT_ERR(brm_frames_parse(NULL, &out), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_ERR(brm_frames_parse("1-3", NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_frames_parse_with_cap(NULL, 10, &out), BRM_ERR_NULL_ARGUMENT, "spec");
    EXPECT_ERR(brm_frames_parse_with_cap("1-3", 10, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    CHECK(out == sentinel);

    EXPECT_ERR(brm_frameset_len(NULL, &n), BRM_ERR_NULL_ARGUMENT, "fs");
    EXPECT_ERR(brm_frameset_len(fs, NULL), BRM_ERR_NULL_ARGUMENT, "out_len");
    CHECK(n == 77);

    EXPECT_ERR(brm_frameset_frames(NULL, 0, buf, 4, &written), BRM_ERR_NULL_ARGUMENT, "fs");
    EXPECT_ERR(brm_frameset_frames(fs, 0, NULL, 4, &written), BRM_ERR_NULL_ARGUMENT, "buf");
    EXPECT_ERR(brm_frameset_frames(fs, 0, buf, 4, NULL), BRM_ERR_NULL_ARGUMENT, "out_written");
    CHECK(written == 77 && buf[0] == 9);

    EXPECT_ERR(brm_frameset_compact(NULL, &s), BRM_ERR_NULL_ARGUMENT, "fs");
    EXPECT_ERR(brm_frameset_compact(fs, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    CHECK(s == s_sentinel);

    brm_frameset_free(NULL);
    brm_frameset_free(NULL);
    brm_frameset_free(fs);
}

static void test_bad_specs(void) {
    brm_frameset *out = (brm_frameset *)(void *)&out;
    brm_frameset *const sentinel = out;

    EXPECT_ERR(brm_frames_parse(bad_utf8(), &out), BRM_ERR_INVALID_UTF8, "UTF-8", "spec");
    EXPECT_ERR(brm_frames_parse_with_cap(bad_utf8(), 10, &out), BRM_ERR_INVALID_UTF8, "UTF-8");
    /* Syntax errors name the position. */
    EXPECT_ERR(brm_frames_parse("1-10,abc", &out), BRM_ERR_FRAME_SYNTAX, "byte 5", "hint");
    EXPECT_ERR(brm_frames_parse("1-10x0", &out), BRM_ERR_FRAME_SYNTAX, "step 0", "hint");
    EXPECT_ERR(brm_frames_parse("1--", &out), BRM_ERR_FRAME_SYNTAX, "byte 2");
    EXPECT_ERR(brm_frames_parse("99999999999999999999999", &out), BRM_ERR_FRAME_SYNTAX, "64 bits");
    EXPECT_ERR(brm_frames_parse("", &out), BRM_ERR_FRAME_SYNTAX, "hint");
    EXPECT_ERR(brm_frames_parse("1:10", &out), BRM_ERR_FRAME_SYNTAX, "hint");
    CHECK(out == sentinel);

    /* Over the cap: the default cap (10 million) and an explicit one; the count is never
     * materialized (a "1-9223372036854775807" spec must fail fast, not allocate). */
    EXPECT_ERR(brm_frames_parse("1-100000000", &out), BRM_ERR_TOO_MANY_FRAMES, "100000000", "10000000", "hint");
    EXPECT_ERR(brm_frames_parse("-9223372036854775807-9223372036854775807", &out),
               BRM_ERR_TOO_MANY_FRAMES, "10000000");
    EXPECT_ERR(brm_frames_parse_with_cap("1-100", 10, &out), BRM_ERR_TOO_MANY_FRAMES, "10");
    EXPECT_ERR(brm_frames_parse_with_cap("1-5,1-5,7-20", 13, &out), BRM_ERR_TOO_MANY_FRAMES, "13");
    CHECK(out == sentinel);

    /* Exactly at the cap is fine. */
    brm_frameset *fs = NULL;
    EXPECT_OK(brm_frames_parse_with_cap("1-100", 100, &fs));
    CHECK(fs != NULL && len_of(fs) == 100);
    brm_frameset_free(fs);
}

/* A 10 MB spec: 1.3 million single frames, comma-separated, and a 10 MB spec of garbage. */
static void test_huge_spec(void) {
    const size_t target = 10u * 1024u * 1024u;
    char *spec = (char *)malloc(target + 32);
    if (spec == NULL) {
        abort();
    }
    size_t pos = 0;
    int64_t frame = 0;
    while (pos < target) {
        pos += (size_t)sprintf(spec + pos, "%" PRId64 ",", frame);
        frame++;
    }
    spec[pos - 1] = '\0';
    brm_frameset *fs = NULL;
    EXPECT_OK(brm_frames_parse(spec, &fs));
    CHECK(fs != NULL && len_of(fs) == (uint64_t)frame);
    if (fs != NULL) {
        int64_t last[2];
        size_t written = 0;
        EXPECT_OK(brm_frameset_frames(fs, (uint64_t)frame - 2, last, 2, &written));
        CHECK(written == 2 && last[1] == frame - 1);
    }
    brm_frameset_free(fs);
    /* The same spec over a small cap fails with TOO_MANY_FRAMES. */
    fs = NULL;
    EXPECT_ERR(brm_frames_parse_with_cap(spec, 1000, &fs), BRM_ERR_TOO_MANY_FRAMES, "1000");
    CHECK(fs == NULL);

    memset(spec, '#', target);
    spec[target] = '\0';
    EXPECT_ERR(brm_frames_parse(spec, &fs), BRM_ERR_FRAME_SYNTAX, "");
    CHECK(fs == NULL);
    /* The message is useful but not 10 MB of echoed input. */
    size_t need = 0;
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL);
    CHECK(need > 10 && need < 4096);
    free(spec);
}

#ifndef __STDC_NO_THREADS__
#include <threads.h>

/* A handle may be read from several threads at once. */
static int read_concurrently(void *arg) {
    const brm_frameset *fs = (const brm_frameset *)arg;
    int bad = 0;
    for (int round = 0; round < 200; round++) {
        uint64_t n = 0;
        int64_t page[16];
        size_t written = 0;
        char *compact = NULL;
        bad += brm_frameset_len(fs, &n) != BRM_OK || n != 1000;
        bad += brm_frameset_frames(fs, (uint64_t)round, page, 16, &written) != BRM_OK || written != 16 ||
               page[0] != round + 1;
        bad += brm_frameset_compact(fs, &compact) != BRM_OK || compact == NULL || strcmp(compact, "1-1000") != 0;
        brm_string_free(compact);
        /* Errors are per thread: this thread's message is about its own failure. */
        char msg[512];
        bad += brm_frameset_len(fs, NULL) != BRM_ERR_NULL_ARGUMENT;
        bad += brm_last_error(msg, sizeof msg, NULL) != BRM_OK || strstr(msg, "out_len") == NULL;
    }
    return bad;
}

static void test_threads(void) {
    brm_frameset *fs = parse_ok("1-1000");
    if (fs == NULL) {
        return;
    }
    thrd_t t[4];
    for (int i = 0; i < 4; i++) {
        CHECK(thrd_create(&t[i], read_concurrently, fs) == thrd_success);
    }
    for (int i = 0; i < 4; i++) {
        int bad = -1;
        CHECK(thrd_join(t[i], &bad) == thrd_success);
        CHECK(bad == 0);
    }
    brm_frameset_free(fs);
}
#else
static void test_threads(void) {}
#endif

int main(void) {
    test_parse_and_read();
    test_paging();
    test_null_arguments();
    test_bad_specs();
    test_huge_spec();
    test_threads();
    brm_shutdown();
    test_parse_and_read();
    return check_report("test_frames");
}
