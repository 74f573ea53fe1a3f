/* A C program linked against brm.dll through its import library, as a studio tool on
 * Windows would be (mingw-w64 here; MSVC with the brm.lib made from brm.def). Run under Wine
 * by scripts/test-wine.sh: the DLL loads, the C ABI answers, errors come back as codes. */
#include <stdio.h>
#include <string.h>
#include "brm.h"

static int fail(const char *what) {
    char msg[512] = "";
    brm_last_error(msg, sizeof msg, NULL);
    fprintf(stderr, "c_consumer: %s failed: %s\n", what, msg);
    return 1;
}

int main(void) {
    brm_frameset *fs = NULL;
    char *compact = NULL;
    uint64_t n = 0;
    if (brm_frames_parse("1-100x5", &fs) != BRM_OK) return fail("brm_frames_parse");
    if (brm_frameset_len(fs, &n) != BRM_OK || n != 21) return fail("brm_frameset_len");
    if (brm_frameset_compact(fs, &compact) != BRM_OK) return fail("brm_frameset_compact");
    if (strcmp(compact, "1-96x5,100") != 0) {
        fprintf(stderr, "c_consumer: compact form %s, expected 1-96x5,100\n", compact);
        return 1;
    }
    brm_string_free(compact);
    brm_frameset_free(fs);
    fs = NULL;
    if (brm_frames_parse("1:10", &fs) == BRM_OK || fs != NULL) {
        fprintf(stderr, "c_consumer: '1:10' was accepted\n");
        return 1;
    }
    printf("c_consumer: brm %s (ABI %u) from brm.dll: 1-100x5 -> 1-96x5,100, 21 frames\n",
           brm_version(), (unsigned)brm_abi_version());
    return 0;
}
