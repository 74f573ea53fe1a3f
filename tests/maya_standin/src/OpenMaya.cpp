// Stand-in Maya runtime: the behaviour behind the stand-in headers, built as libOpenMaya.so.
//
// Faithful where the brm plugin can observe it: MArgDatabase parses an MArgList against the
// command's MSyntax the way Maya does (flags matched by short or long name, with or without
// the dash; typed flag arguments; -q/-e; multi-use flags; objects with min/max counts) and
// reports syntax errors itself; results and Script Editor messages are kept for the host;
// MFileIO::exportAll writes a copy of the scene the host opened; timers fire on demand.

#include <maya/MArgDatabase.h>
#include <maya/MArgList.h>
#include <maya/MArgParser.h>
#include <maya/MDoubleArray.h>
#include <maya/MFileIO.h>
#include <maya/MFnPlugin.h>
#include <maya/MGlobal.h>
#include <maya/MIntArray.h>
#include <maya/MMessage.h>
#include <maya/MObject.h>
#include <maya/MPxCommand.h>
#include <maya/MString.h>
#include <maya/MStringArray.h>
#include <maya/MSyntax.h>
#include <maya/MTimerMessage.h>

#include "MStandinHost.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <climits>
#include <cstdint>
#include <cstring>
#include <cwchar>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using MStandinHost::Arg;
using MStandinHost::MsgKind;

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------
namespace {

struct Item {
    Arg::Kind kind;
    std::string text;
};

struct FlagDef {
    std::string shortName;  // without dash
    std::string longName;   // without dash
    std::vector<MSyntax::MArgType> types;
    bool multiUse = false;
    bool queryWithArgs = false;
};

struct SyntaxData {
    std::vector<FlagDef> flags;
    std::vector<MSyntax::MArgType> args;
    MSyntax::MObjectFormat objectFormat = MSyntax::kNone;
    unsigned int minObjects = 0;
    unsigned int maxObjects = 0xffffffffu;
    bool canQuery = false;
    bool canEdit = false;
};

struct ParsedData {
    const SyntaxData* syntax = nullptr;
    SyntaxData syntaxCopy;
    bool query = false;
    bool edit = false;
    std::map<size_t, std::vector<std::vector<Item>>> uses;  // flag index -> uses -> args
    std::map<size_t, std::vector<unsigned int>> positions;  // flag index -> arg position per use
    std::vector<Item> commandArgs;
    std::vector<std::string> objects;
};

struct ResultData {
    enum Type { None, Int, Double, Bool, String, IntArray, DoubleArray, StringArray } type = None;
    std::vector<long long> ints;
    std::vector<double> doubles;
    std::vector<std::string> strings;
};

struct CommandEntry {
    MCreatorFunction creator;
    MCreateSyntaxFunction syntax;
    std::string plugin;
};

struct PluginData {
    std::string path;
    std::string name;
    std::string vendor = "Unknown";
    std::string version = "Unknown";
};

struct Timer {
    MCallbackId id;
    float period;
    MMessage::MElapsedTimeFunction func;
    void* clientData;
    float last;
};

MStandinHost::MessageSink g_sink = nullptr;
std::string g_currentFile;
std::vector<std::string> g_fileTrace;
ResultData g_result;
std::map<std::string, CommandEntry> g_commands;
std::map<std::string, PluginData*> g_plugins;
std::map<const void*, SyntaxData> g_commandSyntax;  // running command instance -> syntax
std::vector<Timer> g_timers;
MCallbackId g_nextCallbackId = 1;
MCallbackId g_currentCallback = 0;
float g_clock = 0.0f;
bool g_syntaxDefinitionError = false;  // an addFlag/makeFlagMultiUse call was refused

void emit(MsgKind kind, const std::string& text)
{
    if (g_sink) {
        g_sink(kind, text);
    } else {
        const char* p = kind == MsgKind::Error ? "error: " : kind == MsgKind::Warning ? "warning: " : "info: ";
        std::fprintf(stdout, "%s%s\n", p, text.c_str());
    }
}

std::string stripDash(const char* name)
{
    std::string s = name ? name : "";
    while (!s.empty() && s[0] == '-') s.erase(0, 1);
    return s;
}

const char* typeName(MSyntax::MArgType t)
{
    switch (t) {
    case MSyntax::kBoolean: return "boolean";
    case MSyntax::kLong: return "int";
    case MSyntax::kUnsigned: return "unsigned int";
    case MSyntax::kDouble: case MSyntax::kDistance: case MSyntax::kAngle: case MSyntax::kTime: return "float";
    case MSyntax::kString: case MSyntax::kSelectionItem: return "string";
    default: return "none";
    }
}

bool parseLong(const std::string& s, long long& out)
{
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0') return false;
    out = v;
    return true;
}

bool parseDouble(const std::string& s, double& out)
{
    if (s.empty()) return false;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (*end != '\0') return false;
    out = v;
    return true;
}

// Does an item fit an argument type? Maya's parser accepts numbers for numeric types only;
// any item is accepted as a string (numbers keep their text).
bool fits(const Item& item, MSyntax::MArgType t)
{
    long long l;
    double d;
    switch (t) {
    case MSyntax::kLong:
        return item.kind == Arg::Int && parseLong(item.text, l) && l >= -2147483648LL && l <= 2147483647LL;
    case MSyntax::kUnsigned:
        return item.kind == Arg::Int && parseLong(item.text, l) && l >= 0 && l <= 4294967295LL;
    case MSyntax::kDouble: case MSyntax::kDistance: case MSyntax::kAngle: case MSyntax::kTime:
        return (item.kind == Arg::Int || item.kind == Arg::Double) && parseDouble(item.text, d);
    case MSyntax::kBoolean:
        if (item.kind == Arg::Int) return item.text == "0" || item.text == "1";
        return item.text == "true" || item.text == "false" || item.text == "on" || item.text == "off" ||
               item.text == "yes" || item.text == "no";
    case MSyntax::kString: case MSyntax::kSelectionItem:
        return item.kind != Arg::Flag;
    default:
        return false;
    }
}

bool isFlagItem(const Item& item)
{
    return item.kind == Arg::Flag;
}

int findFlag(const SyntaxData& s, const std::string& bare)
{
    for (size_t i = 0; i < s.flags.size(); ++i) {
        if (s.flags[i].shortName == bare || s.flags[i].longName == bare) return (int)i;
    }
    return -1;
}

// Parse `items` against `syntax` as Maya does before a command sees its arguments.
bool parseArgs(const SyntaxData& syntax, const std::vector<Item>& items, ParsedData& out, std::string& err)
{
    out.syntaxCopy = syntax;
    out.syntax = &out.syntaxCopy;
    std::vector<Item> positional;
    for (size_t i = 0; i < items.size(); ++i) {
        const Item& it = items[i];
        if (!isFlagItem(it)) {
            positional.push_back(it);
            continue;
        }
        std::string bare = stripDash(it.text.c_str());
        if ((bare == "q" || bare == "query") && findFlag(syntax, bare) < 0) {
            if (!syntax.canQuery) {
                err = "Flag '" + bare + "': this command has no query mode.";
                return false;
            }
            out.query = true;
            continue;
        }
        if ((bare == "e" || bare == "edit") && findFlag(syntax, bare) < 0) {
            if (!syntax.canEdit) {
                err = "Flag '" + bare + "': this command has no edit mode.";
                return false;
            }
            out.edit = true;
            continue;
        }
        int fi = findFlag(syntax, bare);
        if (fi < 0) {
            err = "Invalid flag '" + it.text + "'";
            return false;
        }
        const FlagDef& def = syntax.flags[(size_t)fi];
        auto& uses = out.uses[(size_t)fi];
        if (!uses.empty() && !def.multiUse) {
            err = "Flag '" + def.longName + "' can only be used once.";
            return false;
        }
        std::vector<Item> args;
        // In query mode flags take no arguments unless declared query-with-full-args.
        bool takeArgs = !out.query || def.queryWithArgs;
        if (takeArgs) {
            for (size_t k = 0; k < def.types.size(); ++k) {
                if (i + 1 >= items.size() || isFlagItem(items[i + 1])) {
                    err = "Flag '" + def.longName + "' must be passed an argument of type " + typeName(def.types[k]) + ".";
                    return false;
                }
                const Item& a = items[++i];
                if (!fits(a, def.types[k])) {
                    err = "Invalid argument for flag '" + def.longName + "': '" + a.text + "'. Expected an argument of type " +
                          typeName(def.types[k]) + ".";
                    return false;
                }
                args.push_back(a);
            }
        }
        out.positions[(size_t)fi].push_back((unsigned int)(i - args.size()));
        uses.push_back(args);
    }
    // Positional items: command arguments (addArg) or objects (setObjectType).
    if (!syntax.args.empty()) {
        if (positional.size() < syntax.args.size()) {
            err = "Not enough objects or values.";
            return false;
        }
        if (positional.size() > syntax.args.size()) {
            err = "Too many objects or values.";
            return false;
        }
        for (size_t k = 0; k < positional.size(); ++k) {
            if (!fits(positional[k], syntax.args[k])) {
                err = "Invalid argument " + std::to_string(k + 1) + ", '" + positional[k].text +
                      "'. Expected arguments of type: " + typeName(syntax.args[k]) + ".";
                return false;
            }
        }
        out.commandArgs = positional;
    } else if (syntax.objectFormat == MSyntax::kStringObjects || syntax.objectFormat == MSyntax::kSelectionList) {
        if (positional.size() < syntax.minObjects) {
            err = "Not enough objects or values.";
            return false;
        }
        if (positional.size() > syntax.maxObjects) {
            err = "Too many objects or values.";
            return false;
        }
        for (const Item& p : positional) out.objects.push_back(p.text);
    } else if (!positional.empty()) {
        err = "Too many objects or values.";
        return false;
    }
    return true;
}

std::vector<Item>& listItems(void* p)
{
    return *static_cast<std::vector<Item>*>(p);
}

std::string quote(const std::string& s)
{
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (c == '\n') {
            o += "\\n";
            continue;
        }
        o += c;
    }
    return o + "\"";
}

std::string fmtDouble(double d)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", d);
    return buf;
}

void resetResult()
{
    g_result = ResultData();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Maya API classes
// ---------------------------------------------------------------------------------------------
OPENMAYA_MAJOR_NAMESPACE_OPEN

struct MStandinAccess {
    static void*& objectPtr(MObject& o) { return o.ptr; }
    static void* objectPtr(const MObject& o) { return o.ptr; }
    static std::vector<Item>& args(const MArgList& l) { return listItems(l.fArgList); }
    static SyntaxData& syntax(const MSyntax& s) { return *static_cast<SyntaxData*>(s.apiData); }
};

// ---- MString -------------------------------------------------------------------------------
// What the real MString does with text (devkit reference, MString): the `const char*`
// constructors, set() and asChar() use "the current locale's multibyte encoding"; only
// setUTF8()/asUTF8() are UTF-8. Maya calls setlocale(LC_ALL, "") at start-up, so under a
// non-UTF-8 locale (en_US.ISO-8859-1) asChar() of "sc\u00e8ne" is the Latin-1 byte 0xE8, not
// UTF-8. The stand-in keeps the text as UTF-8 and converts at those members with the C
// library's mbrtowc/wcrtomb for the current LC_CTYPE (a character the locale cannot encode
// becomes '?', bytes the locale cannot decode become U+FFFD), so a plug-in that hands
// asChar() to a UTF-8 API breaks here as it would in Maya.
static char* dupBytes(const char* s, unsigned int n)
{
    char* d = static_cast<char*>(std::malloc(n + 1));
    if (n) std::memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool isAscii(const char* s, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
    return true;
}

static void appendUtf8(std::string& o, uint32_t c)
{
    if (c < 0x80) {
        o += (char)c;
    } else if (c < 0x800) {
        o += (char)(0xC0 | (c >> 6));
        o += (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        o += (char)(0xE0 | (c >> 12));
        o += (char)(0x80 | ((c >> 6) & 0x3F));
        o += (char)(0x80 | (c & 0x3F));
    } else {
        o += (char)(0xF0 | (c >> 18));
        o += (char)(0x80 | ((c >> 12) & 0x3F));
        o += (char)(0x80 | ((c >> 6) & 0x3F));
        o += (char)(0x80 | (c & 0x3F));
    }
}

static std::string localeToUtf8(const char* s, size_t n)
{
    if (isAscii(s, n)) return std::string(s, n);
    std::string o;
    std::mbstate_t st{};
    size_t i = 0;
    while (i < n) {
        wchar_t w = 0;
        size_t k = std::mbrtowc(&w, s + i, n - i, &st);
        if (k == (size_t)-1 || k == (size_t)-2) {
            appendUtf8(o, 0xFFFD);
            st = std::mbstate_t{};
            ++i;
            continue;
        }
        if (k == 0) k = 1;  // an embedded NUL
        appendUtf8(o, (uint32_t)w);
        i += k;
    }
    return o;
}

static std::string utf8ToLocale(const char* s, size_t n)
{
    if (isAscii(s, n)) return std::string(s, n);
    std::string o;
    std::mbstate_t st{};
    size_t i = 0;
    while (i < n) {
        unsigned char b = static_cast<unsigned char>(s[i]);
        uint32_t c = b;
        size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
        if (len > 1 && i + len <= n) {
            c = b & (0x3F >> (len - 1));
            for (size_t j = 1; j < len; ++j) c = (c << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
        } else if (b >= 0x80) {
            c = '?';
        }
        char buf[MB_LEN_MAX];
        size_t k = std::wcrtomb(buf, (wchar_t)c, &st);
        if (k == (size_t)-1) {
            o += '?';
            st = std::mbstate_t{};
        } else {
            o.append(buf, k);
        }
        i += len;
    }
    return o;
}

MString fromUtf8(const std::string& s)
{
    MString m;
    m.setUTF8(s.c_str());
    return m;
}

static std::string utf8(const MString& m)
{
    int n = 0;
    const char* p = m.asUTF8(n);
    return std::string(p, (size_t)n);
}

MString::MString() : fData(dupBytes("", 0)), fLength(0), fLocale(nullptr) {}
MString::MString(const char* s) : fData(nullptr), fLength(0), fLocale(nullptr)
{
    std::string u = localeToUtf8(s ? s : "", s ? std::strlen(s) : 0);
    fLength = (unsigned int)u.size();
    fData = dupBytes(u.data(), fLength);
}
MString::MString(const char* s, int n) : fData(nullptr), fLength(0), fLocale(nullptr)
{
    std::string u = localeToUtf8(s ? s : "", s && n > 0 ? (size_t)n : 0);
    fLength = (unsigned int)u.size();
    fData = dupBytes(u.data(), fLength);
}
MString::MString(const MString& o) : fData(dupBytes(o.fData, o.fLength)), fLength(o.fLength), fLocale(nullptr) {}
MString::~MString()
{
    std::free(fData);
    std::free(fLocale);
}
MString& MString::operator+=(const MString& o)
{
    std::string s(fData, fLength);
    s.append(o.fData, o.fLength);
    return *this = fromUtf8(s);
}
MString& MString::operator+=(const char* o) { return *this += MString(o); }
MString& MString::operator+=(double v) { return *this += MString(fmtDouble(v).c_str()); }
MString& MString::operator+=(int v) { return *this += MString(std::to_string(v).c_str()); }
MString& MString::operator+=(unsigned int v) { return *this += MString(std::to_string(v).c_str()); }
MString& MString::operator+=(float v) { return *this += (double)v; }
MString& MString::operator=(const MString& o)
{
    if (this != &o) {
        char* d = dupBytes(o.fData, o.fLength);
        std::free(fData);
        fData = d;
        fLength = o.fLength;
    }
    return *this;
}
MString& MString::operator=(const char* o) { return *this = MString(o); }
MString& MString::operator=(double v) { return *this = MString(fmtDouble(v).c_str()); }
bool MString::operator==(const MString& o) const
{
    return fLength == o.fLength && std::memcmp(fData, o.fData, fLength) == 0;
}
bool MString::operator==(const char* o) const { return *this == MString(o); }
bool MString::operator!=(const MString& o) const { return !(*this == o); }
bool MString::operator!=(const char* o) const { return !(*this == o); }
MString MString::operator+(const MString& o) const
{
    MString r(*this);
    r += o;
    return r;
}
MString MString::operator+(const char* o) const { return *this + MString(o); }
MString MString::operator+(double v) const
{
    MString r(*this);
    r += v;
    return r;
}
MStatus MString::set(const char* s)
{
    *this = MString(s);
    return MS::kSuccess;
}
MStatus MString::set(const char* s, int n)
{
    *this = MString(s, n);
    return MS::kSuccess;
}
const char* MString::asChar() const
{
    std::string l = utf8ToLocale(fData, fLength);
    std::free(fLocale);
    fLocale = dupBytes(l.data(), (unsigned int)l.size());
    return fLocale;
}
const char* MString::asChar(int& n) const
{
    const char* p = asChar();
    n = (int)std::strlen(p);
    return p;
}
const char* MString::asUTF8() const { return fData; }
const char* MString::asUTF8(int& n) const
{
    n = (int)fLength;
    return fData;
}
MStatus MString::setUTF8(const char* s)
{
    unsigned int n = s ? (unsigned int)std::strlen(s) : 0;
    char* d = dupBytes(s ? s : "", n);
    std::free(fData);
    fData = d;
    fLength = n;
    return MS::kSuccess;
}
// The length of the string in the locale's encoding, as asChar() gives it.
unsigned int MString::length() const { return (unsigned int)utf8ToLocale(fData, fLength).size(); }
unsigned int MString::numChars() const
{
    unsigned int n = 0;
    for (unsigned int i = 0; i < fLength; ++i)
        if ((static_cast<unsigned char>(fData[i]) & 0xC0) != 0x80) ++n;
    return n;
}
void MString::clear() { *this = MString(); }
int MString::index(char c) const
{
    const char* p = static_cast<const char*>(std::memchr(fData, c, fLength));
    return p ? (int)(p - fData) : -1;
}
int MString::rindex(char c) const
{
    for (int i = (int)fLength - 1; i >= 0; --i)
        if (fData[i] == c) return i;
    return -1;
}
MString MString::substring(int start, int end) const
{
    if (start < 0) start = 0;
    if (end >= (int)fLength) end = (int)fLength - 1;
    if (end < start) return MString();
    return fromUtf8(std::string(fData + start, (size_t)(end - start + 1)));
}
MString MString::toLowerCase() const
{
    std::string s(fData, fLength);
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    return fromUtf8(s);
}
bool MString::isInt() const
{
    long long v;
    return parseLong(std::string(fData, fLength), v);
}
int MString::asInt() const { return std::atoi(fData); }
const char* MString::className() { return "MString"; }
MString operator+(const char* a, const MString& b) { return MString(a) + b; }

// ---- MStatus -------------------------------------------------------------------------------
MString MStatus::errorString() const
{
    static const char* names[] = {"kSuccess", "kFailure", "kInsufficientMemory", "kInvalidParameter",
                                  "kLicenseFailure", "kUnknownParameter", "kNotImplemented", "kNotFound",
                                  "kEndOfFile"};
    return MString(fStatusCode < 9 ? names[fStatusCode] : "unknown");
}
void MStatus::perror(const char* s) const { std::fprintf(stderr, "%s: %s\n", s, errorString().asChar()); }
void MStatus::perror(const MString& s) const { perror(s.asChar()); }

// ---- arrays --------------------------------------------------------------------------------
#define SVEC(p) (*static_cast<std::vector<MString>*>(p))
MStringArray::MStringArray() : fArray(new std::vector<MString>()) {}
MStringArray::MStringArray(const MStringArray& o) : fArray(new std::vector<MString>(SVEC(o.fArray))) {}
MStringArray::MStringArray(const MString s[], unsigned int n) : fArray(new std::vector<MString>(s, s + n)) {}
MStringArray::MStringArray(unsigned int n, const MString& v) : fArray(new std::vector<MString>(n, v)) {}
MStringArray::~MStringArray() { delete &SVEC(fArray); }
MStringArray& MStringArray::operator=(const MStringArray& o)
{
    SVEC(fArray) = SVEC(o.fArray);
    return *this;
}
MStatus MStringArray::set(const MString& e, unsigned int i)
{
    if (i >= SVEC(fArray).size()) return MS::kFailure;
    SVEC(fArray)[i] = e;
    return MS::kSuccess;
}
MStatus MStringArray::setLength(unsigned int n)
{
    SVEC(fArray).resize(n);
    return MS::kSuccess;
}
unsigned int MStringArray::length() const { return (unsigned int)SVEC(fArray).size(); }
MStatus MStringArray::remove(unsigned int i)
{
    if (i >= SVEC(fArray).size()) return MS::kFailure;
    SVEC(fArray).erase(SVEC(fArray).begin() + i);
    return MS::kSuccess;
}
MStatus MStringArray::insert(const MString& e, unsigned int i)
{
    if (i > SVEC(fArray).size()) return MS::kFailure;
    SVEC(fArray).insert(SVEC(fArray).begin() + i, e);
    return MS::kSuccess;
}
MStatus MStringArray::append(const MString& e)
{
    SVEC(fArray).push_back(e);
    return MS::kSuccess;
}
MStatus MStringArray::clear()
{
    SVEC(fArray).clear();
    return MS::kSuccess;
}
const MString& MStringArray::operator[](unsigned int i) const { return SVEC(fArray).at(i); }
MString& MStringArray::operator[](unsigned int i) { return SVEC(fArray).at(i); }
const char* MStringArray::className() { return "MStringArray"; }

#define IVEC(p) (*static_cast<std::vector<int>*>(p))
MIntArray::MIntArray() : fArray(new std::vector<int>()) {}
MIntArray::MIntArray(const MIntArray& o) : fArray(new std::vector<int>(IVEC(o.fArray))) {}
MIntArray::MIntArray(const int s[], unsigned int n) : fArray(new std::vector<int>(s, s + n)) {}
MIntArray::MIntArray(unsigned int n, int v) : fArray(new std::vector<int>(n, v)) {}
MIntArray::~MIntArray() { delete &IVEC(fArray); }
MIntArray& MIntArray::operator=(const MIntArray& o)
{
    IVEC(fArray) = IVEC(o.fArray);
    return *this;
}
int MIntArray::operator[](unsigned int i) const { return IVEC(fArray).at(i); }
int& MIntArray::operator[](unsigned int i) { return IVEC(fArray).at(i); }
MStatus MIntArray::set(int e, unsigned int i)
{
    if (i >= IVEC(fArray).size()) return MS::kFailure;
    IVEC(fArray)[i] = e;
    return MS::kSuccess;
}
MStatus MIntArray::setLength(unsigned int n)
{
    IVEC(fArray).resize(n);
    return MS::kSuccess;
}
unsigned int MIntArray::length() const { return (unsigned int)IVEC(fArray).size(); }
MStatus MIntArray::remove(unsigned int i)
{
    if (i >= IVEC(fArray).size()) return MS::kFailure;
    IVEC(fArray).erase(IVEC(fArray).begin() + i);
    return MS::kSuccess;
}
MStatus MIntArray::insert(int e, unsigned int i)
{
    if (i > IVEC(fArray).size()) return MS::kFailure;
    IVEC(fArray).insert(IVEC(fArray).begin() + i, e);
    return MS::kSuccess;
}
MStatus MIntArray::append(int e)
{
    IVEC(fArray).push_back(e);
    return MS::kSuccess;
}
MStatus MIntArray::clear()
{
    IVEC(fArray).clear();
    return MS::kSuccess;
}
const char* MIntArray::className() { return "MIntArray"; }

#define DVEC(p) (*static_cast<std::vector<double>*>(p))
MDoubleArray::MDoubleArray() : fArray(new std::vector<double>()) {}
MDoubleArray::MDoubleArray(const MDoubleArray& o) : fArray(new std::vector<double>(DVEC(o.fArray))) {}
MDoubleArray::~MDoubleArray() { delete &DVEC(fArray); }
MDoubleArray& MDoubleArray::operator=(const MDoubleArray& o)
{
    DVEC(fArray) = DVEC(o.fArray);
    return *this;
}
double MDoubleArray::operator[](unsigned int i) const { return DVEC(fArray).at(i); }
unsigned int MDoubleArray::length() const { return (unsigned int)DVEC(fArray).size(); }
MStatus MDoubleArray::append(double e)
{
    DVEC(fArray).push_back(e);
    return MS::kSuccess;
}
MStatus MDoubleArray::clear()
{
    DVEC(fArray).clear();
    return MS::kSuccess;
}
const char* MDoubleArray::className() { return "MDoubleArray"; }

// ---- MObject -------------------------------------------------------------------------------
MObject MObject::kNullObj;
MObject::MObject() : ptr(nullptr) {}
MObject::MObject(const MObject& o) : ptr(o.ptr) {}
MObject::~MObject() {}
MObject& MObject::operator=(const MObject& o)
{
    ptr = o.ptr;
    return *this;
}
bool MObject::isNull() const { return ptr == nullptr; }
bool MObject::operator==(const MObject& o) const { return ptr == o.ptr; }
bool MObject::operator!=(const MObject& o) const { return ptr != o.ptr; }
const char* MObject::className() { return "MObject"; }

// ---- MArgList ------------------------------------------------------------------------------
const unsigned int MArgList::kInvalidArgIndex = 0xffffffffu;
MArgList::MArgList() : fArgList(new std::vector<Item>()) {}
MArgList::MArgList(const MArgList& o) : fArgList(new std::vector<Item>(listItems(o.fArgList))) {}
MArgList::~MArgList() { delete &listItems(fArgList); }
MArgList& MArgList::operator=(const MArgList& o)
{
    listItems(fArgList) = listItems(o.fArgList);
    return *this;
}
unsigned int MArgList::length(MStatus* s) const
{
    if (s) *s = MS::kSuccess;
    return (unsigned int)listItems(fArgList).size();
}
static const Item* itemAt(void* list, unsigned int i, MStatus* s)
{
    auto& v = listItems(list);
    if (i >= v.size()) {
        if (s) *s = MS::kFailure;
        return nullptr;
    }
    if (s) *s = MS::kSuccess;
    return &v[i];
}
bool MArgList::asBool(unsigned int i, MStatus* s) const
{
    const Item* it = itemAt(fArgList, i, s);
    return it && (it->text == "1" || it->text == "true" || it->text == "on" || it->text == "yes");
}
int MArgList::asInt(unsigned int i, MStatus* s) const
{
    const Item* it = itemAt(fArgList, i, s);
    long long v = 0;
    if (it && !parseLong(it->text, v) && s) *s = MS::kInvalidParameter;
    return (int)v;
}
double MArgList::asDouble(unsigned int i, MStatus* s) const
{
    const Item* it = itemAt(fArgList, i, s);
    double v = 0;
    if (it && !parseDouble(it->text, v) && s) *s = MS::kInvalidParameter;
    return v;
}
MString MArgList::asString(unsigned int i, MStatus* s) const
{
    const Item* it = itemAt(fArgList, i, s);
    return it ? fromUtf8(it->text) : MString();
}
MIntArray MArgList::asIntArray(unsigned int& i, MStatus* s) const
{
    MIntArray r;
    while (i < listItems(fArgList).size() && listItems(fArgList)[i].kind == Arg::Int) r.append(asInt(i++));
    if (s) *s = MS::kSuccess;
    return r;
}
const MStringArray MArgList::asStringArray(unsigned int& i, MStatus* s) const
{
    MStringArray r;
    while (i < listItems(fArgList).size() && listItems(fArgList)[i].kind != Arg::Flag) r.append(asString(i++));
    if (s) *s = MS::kSuccess;
    return r;
}
unsigned int MArgList::flagIndex(const char* shortFlag, const char* longFlag) const
{
    auto& v = listItems(fArgList);
    std::string a = stripDash(shortFlag), b = stripDash(longFlag);
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].kind != Arg::Flag) continue;
        std::string f = stripDash(v[i].text.c_str());
        if (f == a || (!b.empty() && f == b)) return (unsigned int)i;
    }
    return kInvalidArgIndex;
}
MStatus MArgList::addArg(bool a)
{
    listItems(fArgList).push_back(Item{Arg::Int, a ? "1" : "0"});
    return MS::kSuccess;
}
MStatus MArgList::addArg(int a)
{
    listItems(fArgList).push_back(Item{Arg::Int, std::to_string(a)});
    return MS::kSuccess;
}
MStatus MArgList::addArg(double a)
{
    listItems(fArgList).push_back(Item{Arg::Double, fmtDouble(a)});
    return MS::kSuccess;
}
MStatus MArgList::addArg(const MString& a)
{
    listItems(fArgList).push_back(Item{Arg::String, utf8(a)});
    return MS::kSuccess;
}
MStatus MArgList::get(unsigned int i, bool& r) const
{
    MStatus s;
    r = asBool(i, &s);
    return s;
}
MStatus MArgList::get(unsigned int i, int& r) const
{
    MStatus s;
    r = asInt(i, &s);
    return s;
}
MStatus MArgList::get(unsigned int i, double& r) const
{
    MStatus s;
    r = asDouble(i, &s);
    return s;
}
MStatus MArgList::get(unsigned int i, MString& r) const
{
    MStatus s;
    r = asString(i, &s);
    return s;
}
const char* MArgList::className() { return "MArgList"; }

// ---- MSyntax -------------------------------------------------------------------------------
#define SYN(p) (*static_cast<SyntaxData*>(p))
MSyntax::MSyntax() : fOwn(true), apiData(new SyntaxData()) {}
MSyntax::MSyntax(const MSyntax& o) : fOwn(true), apiData(new SyntaxData(SYN(o.apiData))) {}
MSyntax::~MSyntax() { delete &SYN(apiData); }
MSyntax& MSyntax::operator=(const MSyntax& o)
{
    SYN(apiData) = SYN(o.apiData);
    return *this;
}
MStatus MSyntax::addFlag(const char* s, const char* l, MArgType t1, MArgType t2, MArgType t3, MArgType t4,
                         MArgType t5, MArgType t6)
{
    SyntaxData& d = SYN(apiData);
    FlagDef f;
    f.shortName = stripDash(s);
    f.longName = stripDash(l);
    // Maya: short names are at most 3 characters (plus the dash), names must be unique.
    if (f.shortName.empty() || f.longName.empty() || f.shortName.size() > 3 ||
        findFlag(d, f.shortName) >= 0 || findFlag(d, f.longName) >= 0) {
        emit(MsgKind::Error, "MSyntax::addFlag: invalid or duplicate flag '" + f.shortName + "'/'" + f.longName +
                                 "' (short names are 1-3 characters, names unique)");
        g_syntaxDefinitionError = true;
        return MS::kInvalidParameter;
    }
    for (MArgType t : {t1, t2, t3, t4, t5, t6})
        if (t != kNoArg && t != kInvalidArgType) f.types.push_back(t);
    d.flags.push_back(f);
    return MS::kSuccess;
}
MStatus MSyntax::makeFlagMultiUse(const char* flag)
{
    int i = findFlag(SYN(apiData), stripDash(flag));
    if (i < 0) {
        g_syntaxDefinitionError = true;
        return MS::kInvalidParameter;
    }
    SYN(apiData).flags[(size_t)i].multiUse = true;
    return MS::kSuccess;
}
MStatus MSyntax::makeFlagQueryWithFullArgs(const char* flag, bool)
{
    int i = findFlag(SYN(apiData), stripDash(flag));
    if (i < 0) return MS::kInvalidParameter;
    SYN(apiData).flags[(size_t)i].queryWithArgs = true;
    return MS::kSuccess;
}
MStatus MSyntax::addArg(MArgType t)
{
    SYN(apiData).args.push_back(t);
    return MS::kSuccess;
}
void MSyntax::useSelectionAsDefault(bool) {}
MStatus MSyntax::setObjectType(MObjectFormat f, unsigned int mn)
{
    SYN(apiData).objectFormat = f;
    SYN(apiData).minObjects = mn;
    return MS::kSuccess;
}
MStatus MSyntax::setObjectType(MObjectFormat f, unsigned int mn, unsigned int mx)
{
    SYN(apiData).objectFormat = f;
    SYN(apiData).minObjects = mn;
    SYN(apiData).maxObjects = mx;
    return MS::kSuccess;
}
void MSyntax::setMinObjects(unsigned int n) { SYN(apiData).minObjects = n; }
void MSyntax::setMaxObjects(unsigned int n) { SYN(apiData).maxObjects = n; }
void MSyntax::enableQuery(bool b) { SYN(apiData).canQuery = b; }
void MSyntax::enableEdit(bool b) { SYN(apiData).canEdit = b; }
unsigned int MSyntax::minObjects() const { return SYN(apiData).minObjects; }
unsigned int MSyntax::maxObjects() const { return SYN(apiData).maxObjects; }
bool MSyntax::canQuery() const { return SYN(apiData).canQuery; }
bool MSyntax::canEdit() const { return SYN(apiData).canEdit; }
const char* MSyntax::className() { return "MSyntax"; }

// ---- MArgParser / MArgDatabase -------------------------------------------------------------
#define PD(p) (*static_cast<ParsedData*>(p))
MArgParser::MArgParser() : fOwn(true), apiData(new ParsedData()) {}
MArgParser::MArgParser(const MSyntax& syntax, const MArgList& argList, MStatus* rs)
    : fOwn(true), apiData(new ParsedData())
{
    std::string err;
    bool ok = parseArgs(MStandinAccess::syntax(syntax), MStandinAccess::args(argList), PD(apiData), err);
    if (!ok) emit(MsgKind::Error, err);  // Maya reports syntax errors itself
    if (rs) *rs = ok ? MS::kSuccess : MS::kFailure;
}
MArgParser::~MArgParser() { delete &PD(apiData); }

static int parsedFlag(const ParsedData& d, const char* flag)
{
    if (!d.syntax) return -1;
    return findFlag(*d.syntax, stripDash(flag));
}
static const Item* flagItem(void* p, const char* flag, unsigned int index, unsigned int use = 0)
{
    const ParsedData& d = PD(p);
    int fi = parsedFlag(d, flag);
    if (fi < 0) return nullptr;
    auto it = d.uses.find((size_t)fi);
    if (it == d.uses.end() || use >= it->second.size() || index >= it->second[use].size()) return nullptr;
    return &it->second[use][index];
}

bool MArgParser::isFlagSet(const char* flag, MStatus* rs) const
{
    const ParsedData& d = PD(apiData);
    int fi = parsedFlag(d, flag);
    if (rs) *rs = fi < 0 ? MS::kFailure : MS::kSuccess;
    return fi >= 0 && d.uses.count((size_t)fi) > 0;
}
bool MArgParser::isEdit(MStatus* rs) const
{
    if (rs) *rs = MS::kSuccess;
    return PD(apiData).edit;
}
bool MArgParser::isQuery(MStatus* rs) const
{
    if (rs) *rs = MS::kSuccess;
    return PD(apiData).query;
}
unsigned int MArgParser::numberOfFlagsUsed() const
{
    unsigned int n = 0;
    for (auto& u : PD(apiData).uses) n += (unsigned int)u.second.size();
    return n;
}
unsigned int MArgParser::numberOfFlagUses(const char* flag) const
{
    const ParsedData& d = PD(apiData);
    int fi = parsedFlag(d, flag);
    if (fi < 0) return 0;
    auto it = d.uses.find((size_t)fi);
    return it == d.uses.end() ? 0 : (unsigned int)it->second.size();
}
MStatus MArgParser::getFlagArgument(const char* flag, unsigned int i, bool& r) const
{
    const Item* it = flagItem(apiData, flag, i);
    if (!it) return MS::kFailure;
    r = it->text == "1" || it->text == "true" || it->text == "on" || it->text == "yes";
    return MS::kSuccess;
}
MStatus MArgParser::getFlagArgument(const char* flag, unsigned int i, int& r) const
{
    const Item* it = flagItem(apiData, flag, i);
    long long v;
    if (!it || !parseLong(it->text, v) || v < -2147483648LL || v > 2147483647LL) return MS::kFailure;
    r = (int)v;
    return MS::kSuccess;
}
MStatus MArgParser::getFlagArgument(const char* flag, unsigned int i, double& r) const
{
    const Item* it = flagItem(apiData, flag, i);
    if (!it || !parseDouble(it->text, r)) return MS::kFailure;
    return MS::kSuccess;
}
MStatus MArgParser::getFlagArgument(const char* flag, unsigned int i, MString& r) const
{
    const Item* it = flagItem(apiData, flag, i);
    if (!it) return MS::kFailure;
    r = fromUtf8(it->text);
    return MS::kSuccess;
}
MStatus MArgParser::getFlagArgument(const char* flag, unsigned int i, unsigned int& r) const
{
    const Item* it = flagItem(apiData, flag, i);
    long long v;
    if (!it || !parseLong(it->text, v) || v < 0 || v > 4294967295LL) return MS::kFailure;
    r = (unsigned int)v;
    return MS::kSuccess;
}
bool MArgParser::flagArgumentBool(const char* f, unsigned int i, MStatus* rs) const
{
    bool r = false;
    MStatus s = getFlagArgument(f, i, r);
    if (rs) *rs = s;
    return r;
}
int MArgParser::flagArgumentInt(const char* f, unsigned int i, MStatus* rs) const
{
    int r = 0;
    MStatus s = getFlagArgument(f, i, r);
    if (rs) *rs = s;
    return r;
}
double MArgParser::flagArgumentDouble(const char* f, unsigned int i, MStatus* rs) const
{
    double r = 0;
    MStatus s = getFlagArgument(f, i, r);
    if (rs) *rs = s;
    return r;
}
MString MArgParser::flagArgumentString(const char* f, unsigned int i, MStatus* rs) const
{
    MString r;
    MStatus s = getFlagArgument(f, i, r);
    if (rs) *rs = s;
    return r;
}
MStatus MArgParser::getFlagArgumentPosition(const char* flag, unsigned int i, unsigned int& pos) const
{
    const ParsedData& d = PD(apiData);
    int fi = parsedFlag(d, flag);
    if (fi < 0) return MS::kFailure;
    auto it = d.positions.find((size_t)fi);
    if (it == d.positions.end() || i >= it->second.size()) return MS::kFailure;
    pos = it->second[i];
    return MS::kSuccess;
}
MStatus MArgParser::getFlagArgumentList(const char* flag, unsigned int i, MArgList& args) const
{
    const ParsedData& d = PD(apiData);
    int fi = parsedFlag(d, flag);
    if (fi < 0) return MS::kFailure;
    auto it = d.uses.find((size_t)fi);
    if (it == d.uses.end() || i >= it->second.size()) return MS::kFailure;
    MStandinAccess::args(args) = it->second[i];
    return MS::kSuccess;
}
static const Item* cmdItem(void* p, unsigned int i)
{
    const ParsedData& d = PD(p);
    return i < d.commandArgs.size() ? &d.commandArgs[i] : nullptr;
}
MStatus MArgParser::getCommandArgument(unsigned int i, bool& r) const
{
    const Item* it = cmdItem(apiData, i);
    if (!it) return MS::kFailure;
    r = it->text == "1" || it->text == "true" || it->text == "on" || it->text == "yes";
    return MS::kSuccess;
}
MStatus MArgParser::getCommandArgument(unsigned int i, int& r) const
{
    const Item* it = cmdItem(apiData, i);
    long long v;
    if (!it || !parseLong(it->text, v)) return MS::kFailure;
    r = (int)v;
    return MS::kSuccess;
}
MStatus MArgParser::getCommandArgument(unsigned int i, double& r) const
{
    const Item* it = cmdItem(apiData, i);
    if (!it || !parseDouble(it->text, r)) return MS::kFailure;
    return MS::kSuccess;
}
MStatus MArgParser::getCommandArgument(unsigned int i, MString& r) const
{
    const Item* it = cmdItem(apiData, i);
    if (!it) return MS::kFailure;
    r = fromUtf8(it->text);
    return MS::kSuccess;
}
bool MArgParser::commandArgumentBool(unsigned int i, MStatus* rs) const
{
    bool r = false;
    MStatus s = getCommandArgument(i, r);
    if (rs) *rs = s;
    return r;
}
int MArgParser::commandArgumentInt(unsigned int i, MStatus* rs) const
{
    int r = 0;
    MStatus s = getCommandArgument(i, r);
    if (rs) *rs = s;
    return r;
}
double MArgParser::commandArgumentDouble(unsigned int i, MStatus* rs) const
{
    double r = 0;
    MStatus s = getCommandArgument(i, r);
    if (rs) *rs = s;
    return r;
}
MString MArgParser::commandArgumentString(unsigned int i, MStatus* rs) const
{
    MString r;
    MStatus s = getCommandArgument(i, r);
    if (rs) *rs = s;
    return r;
}
MStatus MArgParser::getObjects(MStringArray& result) const
{
    result.clear();
    for (const std::string& o : PD(apiData).objects) result.append(fromUtf8(o));
    return MS::kSuccess;
}
const char* MArgParser::className() { return "MArgParser"; }

MArgDatabase::MArgDatabase() : MArgParser() {}
MArgDatabase::MArgDatabase(const MSyntax& s, const MArgList& a, MStatus* rs) : MArgParser(s, a, rs) {}
MArgDatabase::~MArgDatabase() {}
MStatus MArgDatabase::getFlagArgument(const char* f, unsigned int i, bool& r) const { return MArgParser::getFlagArgument(f, i, r); }
MStatus MArgDatabase::getFlagArgument(const char* f, unsigned int i, int& r) const { return MArgParser::getFlagArgument(f, i, r); }
MStatus MArgDatabase::getFlagArgument(const char* f, unsigned int i, double& r) const { return MArgParser::getFlagArgument(f, i, r); }
MStatus MArgDatabase::getFlagArgument(const char* f, unsigned int i, MString& r) const { return MArgParser::getFlagArgument(f, i, r); }
MStatus MArgDatabase::getFlagArgument(const char* f, unsigned int i, unsigned int& r) const { return MArgParser::getFlagArgument(f, i, r); }
MStatus MArgDatabase::getCommandArgument(unsigned int i, bool& r) const { return MArgParser::getCommandArgument(i, r); }
MStatus MArgDatabase::getCommandArgument(unsigned int i, int& r) const { return MArgParser::getCommandArgument(i, r); }
MStatus MArgDatabase::getCommandArgument(unsigned int i, double& r) const { return MArgParser::getCommandArgument(i, r); }
MStatus MArgDatabase::getCommandArgument(unsigned int i, MString& r) const { return MArgParser::getCommandArgument(i, r); }
MStatus MArgDatabase::getObjects(MStringArray& r) const { return MArgParser::getObjects(r); }
const char* MArgDatabase::className() { return "MArgDatabase"; }

// ---- MPxCommand ----------------------------------------------------------------------------
MPxCommand::MPxCommand() : instance(nullptr) {}
MPxCommand::~MPxCommand() { g_commandSyntax.erase(this); }
MStatus MPxCommand::doIt(const MArgList&) { return MS::kSuccess; }
MStatus MPxCommand::undoIt() { return MS::kSuccess; }
MStatus MPxCommand::redoIt() { return MS::kSuccess; }
bool MPxCommand::isUndoable() const { return false; }
bool MPxCommand::hasSyntax() const { return true; }
MSyntax MPxCommand::syntax() const
{
    MSyntax s;
    auto it = g_commandSyntax.find(this);
    if (it != g_commandSyntax.end()) MStandinAccess::syntax(s) = it->second;
    return s;
}
bool MPxCommand::isHistoryOn() const { return false; }
MString MPxCommand::commandString() const { return command; }
MStatus MPxCommand::setHistoryOn(bool) { return MS::kSuccess; }
MStatus MPxCommand::setCommandString(const MString& s)
{
    command = s;
    return MS::kSuccess;
}
void MPxCommand::displayInfo(const MString& m) { emit(MsgKind::Info, utf8(m)); }
void MPxCommand::displayWarning(const MString& m, bool) { emit(MsgKind::Warning, utf8(m)); }
void MPxCommand::displayError(const MString& m, bool) { emit(MsgKind::Error, utf8(m)); }
void MPxCommand::clearResult() { resetResult(); }
void MPxCommand::setResult(unsigned int v)
{
    resetResult();
    g_result.type = ResultData::Int;
    g_result.ints.push_back(v);
}
void MPxCommand::setResult(int v)
{
    resetResult();
    g_result.type = ResultData::Int;
    g_result.ints.push_back(v);
}
void MPxCommand::setResult(double v)
{
    resetResult();
    g_result.type = ResultData::Double;
    g_result.doubles.push_back(v);
}
void MPxCommand::setResult(bool v)
{
    resetResult();
    g_result.type = ResultData::Bool;
    g_result.ints.push_back(v ? 1 : 0);
}
void MPxCommand::setResult(const char* v) { setResult(MString(v)); }
void MPxCommand::setResult(const MString& v)
{
    resetResult();
    g_result.type = ResultData::String;
    g_result.strings.push_back(utf8(v));
}
void MPxCommand::setResult(const MIntArray& v)
{
    resetResult();
    g_result.type = ResultData::IntArray;
    for (unsigned int i = 0; i < v.length(); ++i) g_result.ints.push_back(v[i]);
}
void MPxCommand::setResult(const MDoubleArray& v)
{
    resetResult();
    g_result.type = ResultData::DoubleArray;
    for (unsigned int i = 0; i < v.length(); ++i) g_result.doubles.push_back(v[i]);
}
void MPxCommand::setResult(const MStringArray& v)
{
    resetResult();
    g_result.type = ResultData::StringArray;
    for (unsigned int i = 0; i < v.length(); ++i) g_result.strings.push_back(utf8(v[i]));
}
void MPxCommand::appendToResult(int v)
{
    if (g_result.type != ResultData::IntArray) {
        resetResult();
        g_result.type = ResultData::IntArray;
    }
    g_result.ints.push_back(v);
}
void MPxCommand::appendToResult(double v)
{
    if (g_result.type != ResultData::DoubleArray) {
        resetResult();
        g_result.type = ResultData::DoubleArray;
    }
    g_result.doubles.push_back(v);
}
void MPxCommand::appendToResult(bool v) { appendToResult(v ? 1 : 0); }
void MPxCommand::appendToResult(const char* v) { appendToResult(MString(v)); }
void MPxCommand::appendToResult(const MString& v)
{
    if (g_result.type != ResultData::StringArray) {
        resetResult();
        g_result.type = ResultData::StringArray;
    }
    g_result.strings.push_back(utf8(v));
}
void MPxCommand::appendToResult(const MStringArray& v)
{
    for (unsigned int i = 0; i < v.length(); ++i) appendToResult(v[i]);
}
bool MPxCommand::isCurrentResultArray()
{
    return g_result.type == ResultData::IntArray || g_result.type == ResultData::DoubleArray ||
           g_result.type == ResultData::StringArray;
}
MPxCommand::MResultType MPxCommand::currentResultType()
{
    switch (g_result.type) {
    case ResultData::Int: case ResultData::Bool: case ResultData::IntArray: return kLong;
    case ResultData::Double: case ResultData::DoubleArray: return kDouble;
    case ResultData::String: case ResultData::StringArray: return kString;
    default: return kNoArg;
    }
}
const char* MPxCommand::className() { return "MPxCommand"; }
MStatus MPxCommand::setUndoable(bool) { return MS::kSuccess; }
void MPxCommand::setData(void* p) { instance = p; }

// ---- MFnBase / MFnPlugin -------------------------------------------------------------------
MFnBase::MFnBase() {}
MFnBase::~MFnBase() {}
MObject MFnBase::object(MStatus* rs) const
{
    if (rs) *rs = MS::kSuccess;
    return fObject;
}
const char* MFnBase::className() { return "MFnBase"; }

static PluginData* pluginOf(const MObject& o)
{
    return static_cast<PluginData*>(MStandinAccess::objectPtr(o));
}

MFnPlugin::MFnPlugin() {}
MFnPlugin::MFnPlugin(MObject& object, const char* vendor, const char* version, const char*, MStatus* rs)
{
    fObject = object;
    PluginData* p = pluginOf(object);
    if (!p) {
        if (rs) *rs = MS::kInvalidParameter;
        return;
    }
    // As in Maya, vendor and version come from the first MFnPlugin made for the binary.
    if (p->vendor == "Unknown" && vendor) p->vendor = vendor;
    if (p->version == "Unknown" && version) p->version = version;
    if (rs) *rs = MS::kSuccess;
}
MFnPlugin::~MFnPlugin() {}
MString MFnPlugin::vendor(MStatus*) const { return pluginOf(fObject) ? MString(pluginOf(fObject)->vendor.c_str()) : MString(); }
MString MFnPlugin::version(MStatus*) const { return pluginOf(fObject) ? MString(pluginOf(fObject)->version.c_str()) : MString(); }
MString MFnPlugin::apiVersion(MStatus*) const
{
    return MString(std::to_string(MAYA_API_VERSION).c_str());
}
MString MFnPlugin::name(MStatus*) const { return pluginOf(fObject) ? MString(pluginOf(fObject)->name.c_str()) : MString(); }
MString MFnPlugin::loadPath(MStatus* rs) const
{
    PluginData* p = pluginOf(fObject);
    if (rs) *rs = p ? MS::kSuccess : MS::kFailure;
    if (!p) return MString();
    std::string dir = p->path;
    size_t slash = dir.rfind('/');
    dir = slash == std::string::npos ? "." : dir.substr(0, slash);
    return MString(dir.c_str());
}
MStatus MFnPlugin::setName(const MString& n, bool)
{
    if (PluginData* p = pluginOf(fObject)) p->name = n.asChar();
    return MS::kSuccess;
}
MStatus MFnPlugin::setVersion(const MString& v)
{
    if (PluginData* p = pluginOf(fObject)) p->version = v.asChar();
    return MS::kSuccess;
}
MStatus MFnPlugin::registerCommand(const MString& name, MCreatorFunction creator, MCreateSyntaxFunction syntax)
{
    PluginData* p = pluginOf(fObject);
    if (!p || !creator || name.length() == 0) return MS::kInvalidParameter;
    std::string n = name.asChar();
    if (g_commands.count(n)) {
        emit(MsgKind::Error, "The command '" + n + "' is already registered.");
        return MS::kFailure;
    }
    g_commands[n] = CommandEntry{creator, syntax, p->path};
    return MS::kSuccess;
}
MStatus MFnPlugin::deregisterCommand(const MString& name)
{
    auto it = g_commands.find(name.asChar());
    if (it == g_commands.end()) return MS::kFailure;
    g_commands.erase(it);
    return MS::kSuccess;
}
const char* MFnPlugin::className() { return "MFnPlugin"; }

// ---- MGlobal -------------------------------------------------------------------------------
MString MGlobal::mayaVersion() { return MString(std::to_string(MAYA_APP_VERSION).c_str()); }
int MGlobal::apiVersion() { return MAYA_API_VERSION; }
MGlobal::MMayaState MGlobal::mayaState(MStatus* rs)
{
    if (rs) *rs = MS::kSuccess;
    // Batch unless a test plays interactive Maya (MSTANDIN_MAYA_STATE=interactive).
    const char* s = std::getenv("MSTANDIN_MAYA_STATE");
    return s && std::string(s) == "interactive" ? kInteractive : kBatch;
}
MStatus MGlobal::executeCommand(const MString& c, bool, bool)
{
    emit(MsgKind::Warning, std::string("stand-in: executeCommand is not supported: ") + c.asChar());
    return MS::kNotImplemented;
}
MStatus MGlobal::executeCommand(const MString& c, MStringArray&, bool d, bool u) { return executeCommand(c, d, u); }
// Maya queues the command for its next idle; the stand-in runs no MEL, so it reports the
// queued command as an info line tests can match ("stand-in: on idle: <command>").
MStatus MGlobal::executeCommandOnIdle(const MString& c, bool)
{
    emit(MsgKind::Info, std::string("stand-in: on idle: ") + utf8(c));
    return MS::kSuccess;
}
void MGlobal::displayInfo(const MString& m) { emit(MsgKind::Info, utf8(m)); }
void MGlobal::displayWarning(const MString& m) { emit(MsgKind::Warning, utf8(m)); }
void MGlobal::displayError(const MString& m) { emit(MsgKind::Error, utf8(m)); }
MString MGlobal::optionVarStringValue(const MString&, bool* exists)
{
    if (exists) *exists = false;
    return MString();
}
const char* MGlobal::className() { return "MGlobal"; }

// ---- MFileIO -------------------------------------------------------------------------------
MFileIO::MFileIO() {}
MFileIO::MFileIO(const MString&) {}
MFileIO::~MFileIO() {}
MString MFileIO::currentFile() { return fromUtf8(g_currentFile); }
MStatus MFileIO::setCurrentFile(const MString& f)
{
    g_fileTrace.push_back(std::string("setCurrentFile ") + utf8(f));
    g_currentFile = utf8(f);
    return MS::kSuccess;
}
MString MFileIO::fileType()
{
    size_t n = g_currentFile.size();
    return MString(n > 3 && g_currentFile.compare(n - 3, 3, ".mb") == 0 ? "mayaBinary" : "mayaAscii");
}
static MStatus writeSceneTo(const std::string& path)
{
    // Read the scene first: a save writes over the very file it reads.
    std::ostringstream scene;
    std::ifstream in(g_currentFile, std::ios::binary);
    if (in) {
        scene << in.rdbuf();
    } else {
        scene << "//Maya ASCII " << MAYA_APP_VERSION << " scene\n//Name: untitled\nrequires maya \""
              << MAYA_APP_VERSION << "\";\n";
    }
    in.close();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        emit(MsgKind::Error, "Cannot write file '" + path + "': " + std::strerror(errno));
        return MS::kFailure;
    }
    // The scene in memory: the file plus the layer edits not saved yet (Maya ASCII).
    size_t n = path.size();
    bool ascii = n > 3 && path.compare(n - 3, 3, ".ma") == 0;
    out << (ascii ? MStandinHost::sceneInMemory(scene.str()) : scene.str());
    out.flush();
    return out ? MS::kSuccess : MS::kFailure;
}
MStatus MFileIO::save(bool)
{
    g_fileTrace.push_back("save " + g_currentFile);
    MStatus s = writeSceneTo(g_currentFile);
    if (s) MStandinHost::openSceneNodes(g_currentFile);
    return s;
}
MStatus MFileIO::saveAs(const MString& f, const char* type, bool)
{
    g_fileTrace.push_back(std::string("saveAs ") + utf8(f) + " type=" + (type ? type : "(null)"));
    MStatus s = writeSceneTo(utf8(f));
    if (s) g_currentFile = utf8(f);  // like Maya: the open scene is renamed
    if (s) MStandinHost::openSceneNodes(g_currentFile);  // the file now holds the edits
    return s;
}
MStatus MFileIO::exportSelected(const MString& f, const char* type, bool pr)
{
    g_fileTrace.push_back(std::string("exportSelected ") + utf8(f) + " type=" + (type ? type : "(null)") +
                          " preserveReferences=" + (pr ? "1" : "0"));
    return writeSceneTo(utf8(f));
}
MStatus MFileIO::exportAll(const MString& f, const char* type, bool pr)
{
    g_fileTrace.push_back(std::string("exportAll ") + utf8(f) + " type=" + (type ? type : "(null)") +
                          " preserveReferences=" + (pr ? "1" : "0"));
    return writeSceneTo(utf8(f));
}
bool MFileIO::isReadingFile() { return false; }
bool MFileIO::isWritingFile() { return false; }
bool MFileIO::isOpeningFile() { return false; }
const char* MFileIO::className() { return "MFileIO"; }

// ---- MMessage / MTimerMessage --------------------------------------------------------------
MStatus MMessage::removeCallback(MCallbackId id)
{
    for (auto it = g_timers.begin(); it != g_timers.end(); ++it) {
        if (it->id == id) {
            g_timers.erase(it);
            return MS::kSuccess;
        }
    }
    return MS::kFailure;
}
MCallbackId MMessage::currentCallbackId(MStatus* rs)
{
    if (rs) *rs = g_currentCallback ? MS::kSuccess : MS::kFailure;
    return g_currentCallback;
}
const char* MMessage::className() { return "MMessage"; }

MCallbackId MTimerMessage::addTimerCallback(float period, MMessage::MElapsedTimeFunction func, void* clientData,
                                            MStatus* rs)
{
    if (!func || !(period > 0.0f)) {
        if (rs) *rs = MS::kInvalidParameter;
        return 0;
    }
    MCallbackId id = g_nextCallbackId++;
    g_timers.push_back(Timer{id, period, func, clientData, g_clock});
    if (rs) *rs = MS::kSuccess;
    return id;
}
const char* MTimerMessage::className() { return "MTimerMessage"; }
static MTimerMessage::sleepCallbackPtr g_sleep = nullptr;
MStatus MTimerMessage::setSleepCallback(sleepCallbackPtr f)
{
    g_sleep = f;
    return MS::kSuccess;
}
MTimerMessage::sleepCallbackPtr MTimerMessage::sleepCallback() { return g_sleep; }

OPENMAYA_NAMESPACE_CLOSE

// ---------------------------------------------------------------------------------------------
// Host control
// ---------------------------------------------------------------------------------------------
namespace MStandinHost {

void setMessageSink(MessageSink sink) { g_sink = sink; }
void setCurrentFile(const std::string& path)
{
    g_currentFile = path;
    openSceneNodes(path);
}
std::string currentFile() { return g_currentFile; }
const std::vector<std::string>& fileTrace() { return g_fileTrace; }

MObject pluginObject(const std::string& path)
{
    PluginData*& p = g_plugins[path];
    if (!p) {
        p = new PluginData();
        p->path = path;
        size_t slash = path.rfind('/');
        std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
        size_t dot = base.find('.');
        p->name = dot == std::string::npos ? base : base.substr(0, dot);
    }
    MObject o;
    OPENMAYA_MAJOR_NAMESPACE_SCHEMA::MStandinAccess::objectPtr(o) = p;
    return o;
}

std::vector<std::string> registeredCommands()
{
    std::vector<std::string> r;
    for (auto& c : g_commands) r.push_back(c.first);
    return r;
}

bool runCommand(const std::string& name, const std::vector<Arg>& args)
{
    resetResult();
    auto it = g_commands.find(name);
    if (it == g_commands.end()) {
        emit(MsgKind::Error, "Cannot find procedure \"" + name + "\".");
        return false;
    }
    CommandEntry entry = it->second;
    g_syntaxDefinitionError = false;
    MSyntax syntax = entry.syntax ? entry.syntax() : MSyntax();
    if (g_syntaxDefinitionError) {
        // Maya would reject such a syntax when the command is registered or first used.
        emit(MsgKind::Error, "the syntax of '" + name + "' is invalid (see above)");
        return false;
    }
    MPxCommand* cmd = static_cast<MPxCommand*>(entry.creator());
    if (!cmd) {
        emit(MsgKind::Error, "creator of '" + name + "' returned NULL");
        return false;
    }
    g_commandSyntax[cmd] = OPENMAYA_MAJOR_NAMESPACE_SCHEMA::MStandinAccess::syntax(syntax);
    MArgList list;
    auto& items = OPENMAYA_MAJOR_NAMESPACE_SCHEMA::MStandinAccess::args(list);
    for (const Arg& a : args) items.push_back(Item{a.kind, a.text});
    std::string cmdString = name;
    for (const Arg& a : args) cmdString += " " + (a.kind == Arg::String ? quote(a.text) : a.text);
    cmd->setCommandString(OPENMAYA_MAJOR_NAMESPACE_SCHEMA::fromUtf8(cmdString));
    MStatus s = cmd->doIt(list);
    // Not kept for undo: the stand-in has no undo queue; Maya would keep undoable ones.
    delete cmd;
    return (bool)s;
}

std::string formatResult()
{
    const ResultData& r = g_result;
    std::ostringstream o;
    switch (r.type) {
    case ResultData::None: return "";
    case ResultData::Int: return std::to_string(r.ints[0]);
    case ResultData::Bool: return r.ints[0] ? "true" : "false";
    case ResultData::Double: return fmtDouble(r.doubles[0]);
    case ResultData::String: return quote(r.strings[0]);
    case ResultData::IntArray:
        o << "[";
        for (size_t i = 0; i < r.ints.size(); ++i) o << (i ? ", " : "") << r.ints[i];
        o << "]";
        return o.str();
    case ResultData::DoubleArray:
        o << "[";
        for (size_t i = 0; i < r.doubles.size(); ++i) o << (i ? ", " : "") << fmtDouble(r.doubles[i]);
        o << "]";
        return o.str();
    case ResultData::StringArray:
        o << "[";
        for (size_t i = 0; i < r.strings.size(); ++i) o << (i ? ", " : "") << quote(r.strings[i]);
        o << "]";
        return o.str();
    }
    return "";
}

static std::string jsonString(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += (char)c;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += (char)c;
        }
    }
    return o + "\"";
}

std::string resultJson()
{
    const ResultData& r = g_result;
    switch (r.type) {
    case ResultData::None: return "null";
    case ResultData::String: return jsonString(r.strings[0]);
    case ResultData::StringArray: {
        std::string o = "[";
        for (size_t i = 0; i < r.strings.size(); ++i) o += (i ? "," : "") + jsonString(r.strings[i]);
        return o + "]";
    }
    default: return formatResult();
    }
}

std::string resultText()
{
    const ResultData& r = g_result;
    std::string out;
    switch (r.type) {
    case ResultData::None: return "";
    case ResultData::Int: case ResultData::Bool: return std::to_string(r.ints[0]);
    case ResultData::Double: return fmtDouble(r.doubles[0]);
    case ResultData::String: return r.strings[0];
    case ResultData::IntArray:
        for (size_t i = 0; i < r.ints.size(); ++i) out += (i ? " " : "") + std::to_string(r.ints[i]);
        return out;
    case ResultData::DoubleArray:
        for (size_t i = 0; i < r.doubles.size(); ++i) out += (i ? " " : "") + fmtDouble(r.doubles[i]);
        return out;
    case ResultData::StringArray:
        for (size_t i = 0; i < r.strings.size(); ++i) out += (i ? " " : "") + r.strings[i];
        return out;
    }
    return out;
}

size_t fireTimers(float elapsedSeconds)
{
    g_clock += elapsedSeconds;
    std::vector<MCallbackId> ids;
    for (const Timer& t : g_timers) ids.push_back(t.id);
    size_t fired = 0;
    for (MCallbackId id : ids) {
        // A callback may remove itself or others; fire only those still registered.
        Timer copy{};
        bool found = false;
        for (Timer& t : g_timers) {
            if (t.id == id) {
                copy = t;
                t.last = g_clock;
                found = true;
                break;
            }
        }
        if (!found) continue;
        g_currentCallback = id;
        copy.func(g_clock - copy.last + elapsedSeconds, copy.last, copy.clientData);
        g_currentCallback = 0;
        ++fired;
    }
    return fired;
}

size_t timerCount() { return g_timers.size(); }

}  // namespace MStandinHost
