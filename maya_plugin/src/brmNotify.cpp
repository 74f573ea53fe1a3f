// No Maya headers here: tests/maya_plugin/notify_test.cpp checks it on its own.
#include "brmNotify.h"

#include <string>

namespace brm_maya {

namespace {
// Rust's `str::trim` removes Unicode whitespace; the words that matter are ASCII, and a
// value with other whitespace around them is no such word in either reader's eyes.
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

bool notifyOff(const char* value)
{
    if (!value) return false;
    std::string s(value);
    size_t b = 0, e = s.size();
    while (b < e && isSpace(s[b])) ++b;
    while (e > b && isSpace(s[e - 1])) --e;
    s = s.substr(b, e - b);
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s == "0" || s == "false" || s == "no" || s == "off";
}

}  // namespace brm_maya
