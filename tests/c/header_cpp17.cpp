// brm.h as a C++17 consumer (the Maya plugin) sees it: compiles cleanly with
// -Wall -Wextra -Werror -pedantic -Wold-style-cast -Wshadow, declares everything extern "C"
// (cpp_compat) so it links against libbrm.so, and wraps naturally in RAII.
#include "brm.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>

static_assert(sizeof(brm_result) == sizeof(std::uint32_t), "brm_result is uint32_t");
static_assert(std::is_same<decltype(&brm_abi_version), std::uint32_t (*)()>::value,
              "brm_abi_version returns uint32_t");

namespace {

struct StringDeleter {
    void operator()(char *s) const noexcept { brm_string_free(s); }
};
using BrmString = std::unique_ptr<char, StringDeleter>;

std::string last_error() {
    std::size_t need = 0;
    if (brm_last_error(nullptr, 0, &need) != BRM_ERR_BUFFER_TOO_SMALL) {
        return {};
    }
    std::string msg(need, '\0');
    if (brm_last_error(&msg[0], msg.size(), &need) != BRM_OK) {
        return {};
    }
    msg.resize(need - 1);
    return msg;
}

}  // namespace

int main() {
    if (brm_abi_version() != BRM_ABI_VERSION) {
        std::fprintf(stderr, "ABI mismatch\n");
        return 1;
    }
    BrmString none(nullptr);  // unique_ptr never calls the deleter for NULL, but brm allows it
    brm_string_free(nullptr);
    std::string err = last_error();
    std::printf("brm %s from C++17, last error \"%s\"\n", brm_version(), err.c_str());
    brm_shutdown();
    return 0;
}
