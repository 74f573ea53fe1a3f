// Unit test of the plug-in's tiny JSON reader (maya_plugin/src/brmJson.cpp): the shapes libbrm
// returns (objects, arrays, escapes, numbers, null) and malformed input rejected with a place.
#include "brmJson.h"

#include <cstdio>
#include <string>

using brm_maya::JsonValue;
using brm_maya::parseJson;

static int failures = 0;
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
            ++failures;                                                    \
        }                                                                  \
    } while (0)

int main()
{
    JsonValue v;
    std::string err;
    CHECK(parseJson(R"({"schema": 1, "layers": [{"name": "masterLayer", "renderable": true,
        "start_frame": null}, {"name": "rs \"q\" \\ \u00e9\ud83d\ude00", "renderable": false}],
        "id": 9007199254740991, "progress": 0.25, "neg": -3e2, "empty": {}, "none": []})",
                    v, err));
    CHECK(err.empty());
    CHECK(v.isObject());
    CHECK(v["schema"].num() == 1);
    CHECK(v["layers"].size() == 2);
    CHECK(v["layers"][0]["name"].str() == "masterLayer");
    CHECK(v["layers"][0]["renderable"].boolean());
    CHECK(v["layers"][0]["start_frame"].isNull());
    CHECK(v["layers"][1]["name"].str() == "rs \"q\" \\ \xc3\xa9\xf0\x9f\x98\x80");
    CHECK(!v["layers"][1]["renderable"].boolean());
    CHECK(v["id"].text() == "9007199254740991");
    CHECK(v["progress"].text() == "0.25");
    CHECK(v["neg"].num() == -300);
    CHECK(v["empty"].isObject() && v["empty"].size() == 0);
    CHECK(v["none"].isArray() && v["none"].size() == 0);
    // absent members and out-of-range indexes are null, never a crash
    CHECK(v["missing"]["deeper"][3].isNull());
    CHECK(v["layers"][7]["name"].text().empty());
    CHECK(parseJson("[1, \"two\", false]", v, err) && v.size() == 3 && v[1].str() == "two");

    const char* bad[] = {"", "{", "[1,]", "{\"a\" 1}", "{\"a\": tru}", "\"unterminated", "[1] x",
                         "{\"a\": \"\\q\"}", "{\"a\": \"\\u12\"}", "nul"};
    for (const char* b : bad) {
        err.clear();
        bool ok = parseJson(b, v, err);
        CHECK(!ok);
        CHECK(err.find("byte") != std::string::npos);
    }
    std::string deep(100, '[');
    CHECK(!parseJson(deep, v, err));
    std::printf(failures ? "json_test: %d failure(s)\n" : "json_test: ok\n", failures);
    return failures ? 1 : 0;
}
