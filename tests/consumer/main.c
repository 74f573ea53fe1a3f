/*
 * An out-of-tree brm consumer, as a studio tool would write it: checks the ABI version,
 * prints the library version and parses a frame set given on the command line.
 * Output (checked by run.sh):
 *   brm <version> abi <n>
 *   frames <count>: <compact>
 *   first: <f1> <f2> ...   (up to 8)
 */
#include <brm.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what) {
    char msg[1024];
    if (brm_last_error(msg, sizeof msg, NULL) != BRM_OK) {
        snprintf(msg, sizeof msg, "(message longer than %zu bytes)", sizeof msg);
    }
    fprintf(stderr, "%s failed: %s\n", what, msg);
    return 1;
}

int main(int argc, char **argv) {
    if (brm_abi_version() != BRM_ABI_VERSION) {
        fprintf(stderr, "libbrm ABI %u but built against %u\n", brm_abi_version(), (unsigned)BRM_ABI_VERSION);
        return 2;
    }
    printf("brm %s abi %u\n", brm_version(), brm_abi_version());
    const char *spec = argc > 1 ? argv[1] : "1-10";

    brm_frameset *fs = NULL;
    if (brm_frames_parse(spec, &fs) != BRM_OK) {
        return fail("brm_frames_parse");
    }
    uint64_t n = 0;
    char *compact = NULL;
    if (brm_frameset_len(fs, &n) != BRM_OK || brm_frameset_compact(fs, &compact) != BRM_OK) {
        brm_frameset_free(fs);
        return fail("reading the frame set");
    }
    printf("frames %" PRIu64 ": %s\n", n, compact);
    brm_string_free(compact);

    int64_t first[8];
    size_t written = 0;
    if (brm_frameset_frames(fs, 0, first, 8, &written) != BRM_OK) {
        brm_frameset_free(fs);
        return fail("brm_frameset_frames");
    }
    printf("first:");
    for (size_t i = 0; i < written; i++) {
        printf(" %" PRId64, first[i]);
    }
    printf("\n");
    brm_frameset_free(fs);
    brm_shutdown();
    return 0;
}
