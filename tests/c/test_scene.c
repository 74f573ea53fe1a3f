/*
 * brm C ABI: scenes (src/ffi/scene.rs): brm_scene_inspect_json, brm_scene_snapshot_path.
 * BRM_HOME (per test, set by ctest) moves the snapshot directory; BRM_TEST_DATA points at
 * tests/c/data (a small Maya ASCII scene).
 */
#define _POSIX_C_SOURCE 200809L /* stat */
#include "brm_check.h"

#include <sys/stat.h>
#include <unistd.h>

static void test_inspect(void) {
    const char *data = getenv("BRM_TEST_DATA");
    CHECK(data != NULL);
    if (data == NULL) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/shot.ma", data);
    char *raw = NULL;
    EXPECT_OK(brm_scene_inspect_json(path, &raw));
    CHECK(raw != NULL);
    char *json = raw ? squeeze_json(raw) : NULL;
    if (json != NULL) {
        CHECK(strstr(json, "\"schema\":1") != NULL);
        CHECK(strstr(json, "\"format\":\"ma\"") != NULL);
        CHECK(strstr(json, "\"renderer\":\"arnold\"") != NULL);
        CHECK(strstr(json, "shot.ma") != NULL);
        CHECK(strstr(json, "\"start_frame\":1.0,\"end_frame\":24.0") != NULL);
        CHECK(strstr(json, "\"layers\":[{\"name\":\"masterLayer\"") != NULL);
        CHECK(strstr(json, "\"name\":\"mtoa\"") != NULL);
    }
    free(json);
    brm_string_free(raw);

    char *out = (char *)(void *)&out; /* sentinel: untouched on failure */
    char *const sentinel = out;
    EXPECT_ERR(brm_scene_inspect_json(NULL, &out), BRM_ERR_NULL_ARGUMENT, "path");
    EXPECT_ERR(brm_scene_inspect_json(path, NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_scene_inspect_json(bad_utf8(), &out), BRM_ERR_INVALID_UTF8, "UTF-8", "path");
    EXPECT_ERR(brm_scene_inspect_json("", &out), BRM_ERR_INVALID_ARGUMENT, "path");
    EXPECT_ERR(brm_scene_inspect_json("/nonexistent/dir/shot010.ma", &out), BRM_ERR_NOT_FOUND,
               "/nonexistent/dir/shot010.ma");
    /* A 10 MB path: an error, not a crash or a hang. */
    size_t n = 10u * 1024u * 1024u;
    char *huge = (char *)malloc(n + 4);
    if (huge == NULL) {
        abort();
    }
    memset(huge, 'a', n);
    memcpy(huge + n, ".ma", 4);
    brm_result rc = brm_scene_inspect_json(huge, &out);
    CHECK(rc != BRM_OK && rc != BRM_ERR_PANIC);
    size_t need = 0;
    CHECK(brm_last_error(NULL, 0, &need) == BRM_ERR_BUFFER_TOO_SMALL && need > 10);
    free(huge);
    CHECK(out == sentinel);
}

static int is_dir_0700(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700;
}

static void test_snapshot_path(void) {
    const char *home = getenv("BRM_HOME");
    CHECK(home != NULL);
    if (home == NULL) {
        return;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/snapshots/", home);

    char *a = NULL;
    char *b = NULL;
    EXPECT_OK(brm_scene_snapshot_path("/proj/scenes/shot010.ma", &a));
    EXPECT_OK(brm_scene_snapshot_path("shot010.ma", &b));
    CHECK(a != NULL && b != NULL);
    if (a != NULL && b != NULL) {
        CHECK(strcmp(a, b) != 0); /* unique */
        CHECK(strncmp(a, dir, strlen(dir)) == 0);
        CHECK(strstr(a, "shot010") != NULL);
        CHECK(strlen(a) > 3 && strcmp(a + strlen(a) - 3, ".ma") == 0);
        CHECK(access(a, F_OK) == 0); /* reserved: created empty */
        dir[strlen(dir) - 1] = '\0';
        CHECK(is_dir_0700(dir));
        CHECK(unlink(a) == 0 && unlink(b) == 0);
    }
    brm_string_free(a);
    brm_string_free(b);

    char *c = NULL;
    EXPECT_OK(brm_scene_snapshot_path("shot020", &c)); /* no extension means .ma */
    CHECK(c != NULL && strcmp(c + strlen(c) - 3, ".ma") == 0);
    if (c != NULL) {
        CHECK(unlink(c) == 0);
    }
    brm_string_free(c);

    char *out = (char *)(void *)&out;
    char *const sentinel = out;
    EXPECT_ERR(brm_scene_snapshot_path(NULL, &out), BRM_ERR_NULL_ARGUMENT, "scene_name");
    EXPECT_ERR(brm_scene_snapshot_path("shot.ma", NULL), BRM_ERR_NULL_ARGUMENT, "out");
    EXPECT_ERR(brm_scene_snapshot_path(bad_utf8(), &out), BRM_ERR_INVALID_UTF8, "UTF-8");
    EXPECT_ERR(brm_scene_snapshot_path("notes.txt", &out), BRM_ERR_INVALID_ARGUMENT, ".ma");
    CHECK(out == sentinel);
}

int main(void) {
    test_inspect();
    test_snapshot_path();
    brm_shutdown();
    brm_shutdown();
    test_inspect();
    return check_report("test_scene");
}
