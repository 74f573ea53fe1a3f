/*
 * Minimal test support for the brm C ABI tests: CHECK macros that keep going after a failure
 * (so one run reports every broken entry point) and helpers for brm_last_error().
 */
#ifndef BRM_CHECK_H
#define BRM_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brm.h"

static int brm_check_failures = 0;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
            brm_check_failures++;                                                        \
        }                                                                                \
    } while (0)

/* The calling thread's last error message, read with the needed-size protocol
 * (ask with NULL/0, allocate, copy). Caller frees with free(). */
static inline char *last_error(void) {
    size_t need = 0;
    brm_result r = brm_last_error(NULL, 0, &need);
    if (r != BRM_ERR_BUFFER_TOO_SMALL || need == 0) {
        fprintf(stderr, "brm_last_error(NULL, 0, &need) returned %u need=%zu\n", (unsigned)r, need);
        brm_check_failures++;
        return NULL;
    }
    char *buf = (char *)malloc(need);
    if (buf == NULL) {
        abort();
    }
    size_t need2 = 0;
    r = brm_last_error(buf, need, &need2);
    if (r != BRM_OK || need2 != need || strlen(buf) + 1 != need) {
        fprintf(stderr, "brm_last_error(buf, %zu) returned %u need=%zu\n", need, (unsigned)r, need2);
        brm_check_failures++;
    }
    return buf;
}

/* Check that `rc` is `want` and that the last error message is non-empty and contains every
 * one of the NULL-terminated substrings (so messages say what was wrong). */
static inline void expect_error_at(const char *file, int line, brm_result rc, brm_result want, ...) {
    if (rc != want) {
        char *msg = last_error();
        fprintf(stderr, "%s:%d: expected result %u, got %u (last error: %s)\n", file, line,
                (unsigned)want, (unsigned)rc, msg ? msg : "?");
        free(msg);
        brm_check_failures++;
        return;
    }
    char *msg = last_error();
    if (msg == NULL) {
        return;
    }
    if (strlen(msg) < 10) {
        fprintf(stderr, "%s:%d: error message too short to be useful: \"%s\"\n", file, line, msg);
        brm_check_failures++;
    }
    va_list ap;
    va_start(ap, want);
    for (const char *needle = va_arg(ap, const char *); needle != NULL;
         needle = va_arg(ap, const char *)) {
        if (strstr(msg, needle) == NULL) {
            fprintf(stderr, "%s:%d: error message \"%s\" does not mention \"%s\"\n", file, line, msg,
                    needle);
            brm_check_failures++;
        }
    }
    va_end(ap);
    free(msg);
}

/* EXPECT_ERR(call, BRM_ERR_X, "needle", ...): the needles end with an implicit NULL. */
#define EXPECT_ERR(call, want, ...) \
    expect_error_at(__FILE__, __LINE__, (call), (want), __VA_ARGS__, (const char *)NULL)

#define EXPECT_OK(call)                                                                  \
    do {                                                                                 \
        brm_result rc_ = (call);                                                         \
        if (rc_ != BRM_OK) {                                                             \
            char *m_ = last_error();                                                     \
            fprintf(stderr, "%s:%d: %s returned %u: %s\n", __FILE__, __LINE__, #call,    \
                    (unsigned)rc_, m_ ? m_ : "?");                                       \
            free(m_);                                                                    \
            brm_check_failures++;                                                        \
        }                                                                                \
    } while (0)

static inline int check_report(const char *name) {
    if (brm_check_failures != 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, brm_check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* A copy of JSON text without the whitespace between tokens, so checks like
 * strstr(j, "\"schema\":1") hold for compact and pretty output alike. Free with free(). */
static inline char *squeeze_json(const char *json) {
    size_t n = strlen(json);
    char *out = (char *)malloc(n + 1);
    if (out == NULL) {
        abort();
    }
    size_t o = 0;
    int in_string = 0;
    for (size_t i = 0; i < n; i++) {
        char c = json[i];
        if (in_string) {
            out[o++] = c;
            if (c == '\\' && i + 1 < n) {
                out[o++] = json[++i];
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
            out[o++] = c;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return out;
}

/* Invalid UTF-8 (a 0xff byte, then an overlong encoding), NUL-terminated. */
static inline const char *bad_utf8(void) {
    static const char s[] = {'1', '-', (char)0xff, '0', (char)0xc0, (char)0xaf, 0};
    return s;
}

#endif
