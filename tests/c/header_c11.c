/*
 * brm.h as a strict C11 consumer sees it: compiles cleanly with -Wall -Wextra -Werror -pedantic
 * -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wconversion, is idempotent (included
 * twice), pulls in what it uses by itself, and its constants agree with the library.
 */
#include "brm.h"
#include "brm.h" /* include guard BRM_H */

#include <stddef.h>
#include <stdio.h>

#ifndef BRM_H
#error "brm.h must define its include guard BRM_H"
#endif

/* brm_result is a uint32_t typedef (stable size across compilers, rustls-ffi style). */
_Static_assert(sizeof(brm_result) == sizeof(uint32_t), "brm_result is uint32_t");
_Static_assert(BRM_OK == 0, "BRM_OK is 0");
_Static_assert(sizeof(brm_job_state) == sizeof(uint32_t), "brm_job_state is uint32_t");
/* struct_size first: the size protocol of brm_gpu / brm_job_info relies on it. */
_Static_assert(offsetof(brm_gpu, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(brm_job_info, struct_size) == 0, "struct_size first");

/* Opaque handles can be declared and passed without their definition. */
static void take_handles(brm_client *c, brm_job_spec *s, brm_frameset *f, brm_log_batch *b) {
    (void)c;
    (void)s;
    (void)f;
    (void)b;
}

int main(void) {
    brm_result r = BRM_OK;
    take_handles(NULL, NULL, NULL, NULL);
    if (brm_abi_version() != (uint32_t)BRM_ABI_VERSION) {
        fprintf(stderr, "brm_abi_version() %u != BRM_ABI_VERSION %u\n", brm_abi_version(),
                (unsigned)BRM_ABI_VERSION);
        return 1;
    }
    printf("brm %s, ABI %u, result %u\n", brm_version(), brm_abi_version(), (unsigned)r);
    return 0;
}
