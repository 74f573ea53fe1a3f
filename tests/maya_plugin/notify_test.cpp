// Unit test of the plug-in's BRM_NOTIFY reading (maya_plugin/src/brmNotify.cpp): the same
// words, trimmed and case-blind, turn it off as in the Rust `config::notify`.
#include "brmNotify.h"

#include <cstdio>

using brm_maya::notifyOff;

static int failures = 0;
#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                 \
        }                                                               \
    } while (0)

int main()
{
    CHECK(!notifyOff(nullptr));
    CHECK(!notifyOff(""));
    CHECK(!notifyOff("1"));
    CHECK(!notifyOff("yes"));
    CHECK(!notifyOff("offline"));
    CHECK(notifyOff("0"));
    CHECK(notifyOff("false"));
    CHECK(notifyOff("no"));
    CHECK(notifyOff("off"));
    // What the Rust reader also accepts: whitespace around, any case.
    CHECK(notifyOff(" 0 "));
    CHECK(notifyOff("OFF"));
    CHECK(notifyOff("False\n"));
    CHECK(notifyOff("\tNo"));
    if (failures) return 1;
    std::printf("notify reader: all checks passed\n");
    return 0;
}
