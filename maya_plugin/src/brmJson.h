// A tiny JSON reader for the few fields the plugin pulls out of libbrm's JSON answers
// (scene inspection, job lists). Read-only, UTF-8 passed through, numbers as double.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace brm_maya {

class JsonValue
{
public:
    enum Type { Null, Bool, Number, String, Array, Object };

    Type type() const { return fType; }
    bool isNull() const { return fType == Null; }
    bool isObject() const { return fType == Object; }
    bool isArray() const { return fType == Array; }
    bool isString() const { return fType == String; }
    bool isNumber() const { return fType == Number; }
    bool isBool() const { return fType == Bool; }

    /// Member of an object, or a shared Null value when absent / not an object.
    const JsonValue& operator[](const std::string& key) const;
    /// Element of an array, or a shared Null value when out of range / not an array.
    const JsonValue& operator[](size_t index) const;
    size_t size() const;

    const std::string& str() const { return fString; }
    double num() const { return fNumber; }
    bool boolean() const { return fBool; }
    /// Text of a string, number (integral numbers without ".0") or bool; "" otherwise.
    std::string text() const;

private:
    friend class JsonParser;
    Type fType = Null;
    bool fBool = false;
    double fNumber = 0;
    std::string fString;
    std::vector<JsonValue> fArray;
    std::vector<std::pair<std::string, JsonValue>> fObject;
};

/// Parse `text`; on failure returns false and says where in `error`.
bool parseJson(const std::string& text, JsonValue& out, std::string& error);

}  // namespace brm_maya
