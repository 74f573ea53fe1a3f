#include "brmJson.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace brm_maya {

namespace {
const JsonValue& nullValue()
{
    static const JsonValue v;
    return v;
}

void appendUtf8(std::string& out, unsigned long cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}
}  // namespace

const JsonValue& JsonValue::operator[](const std::string& key) const
{
    if (fType != Object) return nullValue();
    for (const auto& kv : fObject)
        if (kv.first == key) return kv.second;
    return nullValue();
}

const JsonValue& JsonValue::operator[](size_t index) const
{
    if (fType != Array || index >= fArray.size()) return nullValue();
    return fArray[index];
}

size_t JsonValue::size() const
{
    return fType == Array ? fArray.size() : fType == Object ? fObject.size() : 0;
}

std::string JsonValue::text() const
{
    switch (fType) {
    case String: return fString;
    case Bool: return fBool ? "true" : "false";
    case Number: {
        char buf[64];
        if (std::fabs(fNumber) < 9.007199254740992e15 && std::floor(fNumber) == fNumber)
            std::snprintf(buf, sizeof buf, "%.0f", fNumber);
        else
            std::snprintf(buf, sizeof buf, "%.17g", fNumber);
        return buf;
    }
    default: return "";
    }
}

class JsonParser
{
public:
    JsonParser(const std::string& t) : s(t) {}

    bool parse(JsonValue& out, std::string& err)
    {
        if (!value(out, 0)) {
            err = error + " at byte " + std::to_string(pos);
            return false;
        }
        ws();
        if (pos != s.size()) {
            err = "unexpected text after the JSON value at byte " + std::to_string(pos);
            return false;
        }
        return true;
    }

private:
    const std::string& s;
    size_t pos = 0;
    std::string error;

    void ws()
    {
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) ++pos;
    }
    bool fail(const char* what)
    {
        error = what;
        return false;
    }
    bool literal(const char* word)
    {
        size_t n = std::char_traits<char>::length(word);
        if (s.compare(pos, n, word) != 0) return fail("invalid literal");
        pos += n;
        return true;
    }
    bool hex4(unsigned long& cp)
    {
        if (pos + 4 > s.size()) return fail("short \\u escape");
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            char c = s[pos++];
            cp <<= 4;
            if (c >= '0' && c <= '9') cp |= (unsigned long)(c - '0');
            else if (c >= 'a' && c <= 'f') cp |= (unsigned long)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') cp |= (unsigned long)(c - 'A' + 10);
            else return fail("bad \\u escape");
        }
        return true;
    }
    bool string(std::string& out)
    {
        ++pos;  // opening quote
        while (pos < s.size()) {
            char c = s[pos++];
            if (c == '"') return true;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos >= s.size()) break;
            char e = s[pos++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned long cp;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp < 0xDC00 && pos + 6 <= s.size() && s[pos] == '\\' && s[pos + 1] == 'u') {
                    pos += 2;
                    unsigned long lo;
                    if (!hex4(lo)) return false;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                appendUtf8(out, cp);
                break;
            }
            default: return fail("bad escape");
            }
        }
        return fail("unterminated string");
    }
    bool value(JsonValue& v, int depth)
    {
        if (depth > 64) return fail("nesting too deep");
        ws();
        if (pos >= s.size()) return fail("unexpected end");
        char c = s[pos];
        if (c == '{') {
            v.fType = JsonValue::Object;
            ++pos;
            ws();
            if (pos < s.size() && s[pos] == '}') {
                ++pos;
                return true;
            }
            while (true) {
                ws();
                if (pos >= s.size() || s[pos] != '"') return fail("expected a key");
                std::string key;
                if (!string(key)) return false;
                ws();
                if (pos >= s.size() || s[pos] != ':') return fail("expected ':'");
                ++pos;
                JsonValue member;
                if (!value(member, depth + 1)) return false;
                v.fObject.emplace_back(std::move(key), std::move(member));
                ws();
                if (pos < s.size() && s[pos] == ',') {
                    ++pos;
                    continue;
                }
                if (pos < s.size() && s[pos] == '}') {
                    ++pos;
                    return true;
                }
                return fail("expected ',' or '}'");
            }
        }
        if (c == '[') {
            v.fType = JsonValue::Array;
            ++pos;
            ws();
            if (pos < s.size() && s[pos] == ']') {
                ++pos;
                return true;
            }
            while (true) {
                JsonValue item;
                if (!value(item, depth + 1)) return false;
                v.fArray.push_back(std::move(item));
                ws();
                if (pos < s.size() && s[pos] == ',') {
                    ++pos;
                    continue;
                }
                if (pos < s.size() && s[pos] == ']') {
                    ++pos;
                    return true;
                }
                return fail("expected ',' or ']'");
            }
        }
        if (c == '"') {
            v.fType = JsonValue::String;
            return string(v.fString);
        }
        if (c == 't') {
            v.fType = JsonValue::Bool;
            v.fBool = true;
            return literal("true");
        }
        if (c == 'f') {
            v.fType = JsonValue::Bool;
            return literal("false");
        }
        if (c == 'n') return literal("null");
        if (c == '-' || (c >= '0' && c <= '9')) {
            const char* start = s.c_str() + pos;
            char* end = nullptr;
            v.fNumber = std::strtod(start, &end);
            if (end == start) return fail("bad number");
            v.fType = JsonValue::Number;
            pos += (size_t)(end - start);
            return true;
        }
        return fail("unexpected character");
    }
};

bool parseJson(const std::string& text, JsonValue& out, std::string& error)
{
    out = JsonValue();
    JsonParser p(text);
    return p.parse(out, error);
}

}  // namespace brm_maya
