// Stand-in Maya runtime, part 2: the scene's dependency graph, for what the brm plug-in
// reads through the API (MItDependencyNodes, MFnDependencyNode, MPlug, MPlugArray): the
// render layer nodes of the open scene, with unsaved edits.
//
// How the real nodes behave (Maya node reference "renderLayer", Render Setup's
// renderSetupLayer; the Maya ASCII files Maya 2023 writes, ../shared/testdata/maya):
//  - every scene has `defaultRenderLayer` (the master layer, Render Setup's "masterLayer");
//  - a legacy layer is a `renderLayer` node; `.renderable` (short `rndr`, default on) and
//    `.displayOrder` (`do`) are its attributes;
//  - a Render Setup layer "fx" is a `renderSetupLayer` node "fx" plus the legacy `renderLayer`
//    "rs_fx" it drives, connected `rs_fx.message -> fx.legacyRenderLayer` (`msg` -> `lrl`);
//    its renderable flag is the legacy node's.
// Opening a scene (the host's @scene) loads these nodes from the .ma text; a Maya Binary
// scene gets only defaultRenderLayer here. Edits (createNode, setAttr, connectAttr, delete)
// change the graph in memory only, as in Maya; MFileIO::exportAll writes them into the copy
// (as the MEL lines a .ma would hold), so a snapshot has the layers Maya has.

#include <maya/MFn.h>
#include <maya/MFnDependencyNode.h>
#include <maya/MItDependencyNodes.h>
#include <maya/MPlug.h>
#include <maya/MPlugArray.h>
#include <maya/MString.h>
#include <maya/MTime.h>

#include "MStandinHost.h"

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Node {
    std::string name;
    std::string type;
    std::map<std::string, std::string> attrs;  // long name -> value as text
    bool alive = true;
    bool referenced = false;
};

struct Connection {
    Node* src;
    std::string srcAttr;
    Node* dst;
    std::string dstAttr;
};

std::vector<std::unique_ptr<Node>> g_nodes;  // creation order; deleted ones stay, not alive
std::vector<Connection> g_connections;
// The edits since the scene was opened, in order: MEL lines a .ma would hold, or a rename
// (from -> to), which a .ma holds as the new name wherever the node is named.
struct Edit {
    std::string mel, from, to;
};
std::vector<Edit> g_edits;

const std::map<std::string, std::string>& aliases()
{
    static const std::map<std::string, std::string> a = {
        {"rndr", "renderable"}, {"do", "displayOrder"}, {"msg", "message"},
        {"lrl", "legacyRenderLayer"}, {"g", "global"}, {"rlid", "identification"},
        {"lit", "listItems"}, {"pls", "parentList"}, {"en", "enabled"}, {"atr", "attribute"},
        {"tgName", "targetNodeName"}, {"atv", "attrValue"}, {"mul", "multiply"}, {"ofs", "offset"},
        {"fs", "startFrame"}, {"ef", "endFrame"},
    };
    return a;
}

std::string longAttr(std::string a)
{
    if (!a.empty() && a[0] == '.') a = a.substr(1);
    auto it = aliases().find(a);
    return it == aliases().end() ? a : it->second;
}

std::string shortAttr(const std::string& a)
{
    for (const auto& kv : aliases())
        if (kv.second == a) return kv.first;
    return a;
}

Node* find(const std::string& name)
{
    for (auto& n : g_nodes)
        if (n->alive && n->name == name) return n.get();
    return nullptr;
}

// The attributes of the node types the stand-in models (Maya node reference), with the
// defaults a node has before any setAttr. findPlug fails for others, as in Maya.
const std::map<std::string, std::map<std::string, std::string>>& nodeTypes()
{
    static const std::map<std::string, std::map<std::string, std::string>> t = {
        {"renderLayer", {{"renderable", "1"}, {"displayOrder", "0"}, {"global", "0"}, {"identification", "0"}}},
        {"renderSetupLayer", {{"legacyRenderLayer", ""}, {"listItems", ""}}},
        {"renderSettingsCollection", {{"listItems", ""}, {"parentList", ""}, {"enabled", "1"}}},
        {"renderSettingsChildCollection", {{"listItems", ""}, {"parentList", ""}, {"enabled", "1"}}},
        {"absUniqueOverride", {{"attribute", ""}, {"targetNodeName", ""}, {"attrValue", "0"},
                               {"parentList", ""}, {"enabled", "1"}}},
        {"relUniqueOverride", {{"attribute", ""}, {"targetNodeName", ""}, {"multiply", "1"}, {"offset", "0"},
                               {"parentList", ""}, {"enabled", "1"}}},
        {"renderGlobals", {{"startFrame", "1"}, {"endFrame", "10"}}},
    };
    return t;
}

bool modelled(const std::string& type) { return nodeTypes().count(type) > 0; }

bool hasAttr(const Node* n, const std::string& a)
{
    if (a == "message") return true;
    auto t = nodeTypes().find(n->type);
    return (t != nodeTypes().end() && t->second.count(a)) || n->attrs.count(a);
}

Node* add(const std::string& type, const std::string& name)
{
    g_nodes.push_back(std::unique_ptr<Node>(new Node{name, type, {}, true, false}));
    Node* n = g_nodes.back().get();
    auto t = nodeTypes().find(type);
    if (t != nodeTypes().end())
        for (const auto& kv : t->second)
            if (!kv.second.empty()) n->attrs[kv.first] = kv.second;
    return n;
}

bool truthy(const std::string& v) { return v == "1" || v == "yes" || v == "true" || v == "on"; }

std::string quoteMel(const std::string& s)
{
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        o += c;
    }
    return o + "\"";
}

// The MEL tokens of one .ma statement: quoted strings unquoted, the rest split on blanks.
std::vector<std::string> tokens(const std::string& stmt)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < stmt.size()) {
        char c = stmt[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
        } else if (c == '"') {
            std::string t;
            for (++i; i < stmt.size() && stmt[i] != '"'; ++i) {
                if (stmt[i] == '\\' && i + 1 < stmt.size()) ++i;
                t += stmt[i];
            }
            ++i;
            out.push_back(t);
        } else {
            size_t j = i;
            while (j < stmt.size() && stmt[j] != ' ' && stmt[j] != '\t' && stmt[j] != '\n') ++j;
            out.push_back(stmt.substr(i, j - i));
            i = j;
        }
    }
    return out;
}

bool splitPlug(const std::string& plug, std::string& node, std::string& attr)
{
    size_t dot = plug.find('.');
    if (dot == std::string::npos || dot == 0) return false;
    node = plug.substr(0, dot);
    attr = plug.substr(dot + 1);
    size_t br = attr.find('[');
    if (br != std::string::npos) attr = attr.substr(0, br);  // array element: its attribute
    if (!node.empty() && node[0] == ':') node = node.substr(1);
    return true;
}

// Reads the layer nodes of a Maya ASCII file (statements end with ';' outside quotes).
void loadMa(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return;
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    Node* current = nullptr;
    std::string stmt;
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (!quoted && c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
            continue;
        }
        if (c == '"' && (i == 0 || text[i - 1] != '\\')) quoted = !quoted;
        if (c != ';' || quoted) {
            stmt += c;
            continue;
        }
        std::vector<std::string> t = tokens(stmt);
        stmt.clear();
        if (t.empty()) continue;
        if (t[0] == "createNode" && t.size() >= 2) {
            std::string name;
            for (size_t k = 2; k + 1 < t.size(); ++k)
                if (t[k] == "-n" || t[k] == "-name") name = t[k + 1];
            current = nullptr;
            if (modelled(t[1]) && !name.empty()) current = find(name) ? find(name) : add(t[1], name);
        } else if (t[0] == "select") {
            current = t.size() > 1 ? find(t.back()[0] == ':' ? t.back().substr(1) : t.back()) : nullptr;
        } else if (t[0] == "setAttr" && current && t.size() >= 3 && t[1][0] == '.') {
            // setAttr ".a" 1; / setAttr ".a" -type "string" "text"; (the value is the last token)
            std::string a = longAttr(t[1]);
            if (hasAttr(current, a)) current->attrs[a] = t.back();
        } else if (t[0] == "connectAttr" && t.size() >= 3) {
            std::string sn, sa, dn, da;
            if (splitPlug(t[1], sn, sa) && splitPlug(t[2], dn, da) && find(sn) && find(dn))
                g_connections.push_back(Connection{find(sn), longAttr(sa), find(dn), longAttr(da)});
        }
    }
}

}  // namespace

namespace MStandinHost {

void openSceneNodes(const std::string& path)
{
    g_nodes.clear();
    g_connections.clear();
    g_edits.clear();
    add("renderLayer", "defaultRenderLayer")->attrs["global"] = "1";
    add("renderGlobals", "defaultRenderGlobals");
    size_t n = path.size();
    if (n > 3 && path.compare(n - 3, 3, ".ma") == 0) loadMa(path);
}

bool createNode(const std::string& type, const std::string& name, std::string& err)
{
    if (name.empty() || find(name)) {
        err = "a node named '" + name + "' already exists";
        return false;
    }
    add(type, name);
    g_edits.push_back(Edit{"createNode " + type + " -n " + quoteMel(name) + ";", "", ""});
    return true;
}

bool setAttr(const std::string& plug, const std::string& value, std::string& err)
{
    std::string node, attr;
    Node* n = splitPlug(plug, node, attr) ? find(node) : nullptr;
    if (!n) {
        err = "No object matches name: " + plug;
        return false;
    }
    std::string a = longAttr(attr);
    n->attrs[a] = value;
    std::string v = a == "renderable" ? (truthy(value) ? "yes" : "no") : value;
    g_edits.push_back(Edit{"select -ne " + quoteMel(n->name) + ";\n\tsetAttr \"." + shortAttr(a) + "\" " + v + ";", "", ""});
    return true;
}

std::string getAttr(const std::string& plug)
{
    std::string node, attr;
    Node* n = splitPlug(plug, node, attr) ? find(node) : nullptr;
    if (!n) return std::string();
    auto it = n->attrs.find(longAttr(attr));
    return it == n->attrs.end() ? std::string() : it->second;
}

bool connectAttr(const std::string& src, const std::string& dst, std::string& err)
{
    std::string sn, sa, dn, da;
    if (!splitPlug(src, sn, sa) || !splitPlug(dst, dn, da) || !find(sn) || !find(dn)) {
        err = "The source or destination attribute '" + src + "' -> '" + dst + "' does not exist";
        return false;
    }
    g_connections.push_back(Connection{find(sn), longAttr(sa), find(dn), longAttr(da)});
    // Maya writes short attribute names in .ma files (connectAttr "rs_fx.msg" "fx.lrl").
    g_edits.push_back(Edit{"connectAttr " + quoteMel(sn + "." + shortAttr(longAttr(sa))) + " " +
                               quoteMel(dn + "." + shortAttr(longAttr(da))) + ";",
                           "", ""});
    return true;
}

bool deleteNode(const std::string& name, std::string& err)
{
    Node* n = find(name);
    if (!n || name == "defaultRenderLayer") {
        err = n ? "Cannot delete the default render layer" : "No object matches name: " + name;
        return false;
    }
    n->alive = false;
    // A .ma of the scene would not hold the node; the copy here keeps the saved text, so a
    // deleted layer is written switched off (never rendered by default) - a stand-in limit.
    if (n->type == "renderLayer") g_edits.push_back(Edit{"select -ne " + quoteMel(name) + ";\n\tsetAttr \".rndr\" no;", "", ""});
    return true;
}

bool renameNode(const std::string& from, const std::string& to, std::string& err)
{
    Node* n = find(from);
    if (!n || to.empty() || find(to) || from == "defaultRenderLayer") {
        err = !n ? "No object matches name: " + from
                 : from == "defaultRenderLayer" ? "Cannot rename the default render layer"
                                                : "Cannot rename '" + from + "' to '" + to + "'";
        return false;
    }
    n->name = to;
    g_edits.push_back(Edit{"", from, to});
    return true;
}

std::vector<std::string> listNodes(const std::string& type)
{
    std::vector<std::string> out;
    for (auto& n : g_nodes)
        if (n->alive && (type.empty() || n->type == type)) out.push_back(n->name);
    return out;
}

static void replaceAll(std::string& text, const std::string& a, const std::string& b)
{
    for (size_t at = text.find(a); at != std::string::npos; at = text.find(a, at + b.size())) text.replace(at, a.size(), b);
}

std::string sceneInMemory(const std::string& fileText)
{
    std::string out = fileText + "\n";
    for (const Edit& e : g_edits) {
        if (e.from.empty()) {
            out += e.mel + "\n";
        } else {  // the node is named "to" wherever the file (or an earlier edit) named it
            replaceAll(out, "\"" + e.from + "\"", "\"" + e.to + "\"");
            replaceAll(out, "\"" + e.from + ".", "\"" + e.to + ".");
        }
    }
    return out;
}

}  // namespace MStandinHost

OPENMAYA_MAJOR_NAMESPACE_OPEN

struct MStandinDG {
    // An MObject of a node, or null for any other MObject (a plug-in's, kNullObj).
    static Node* node(const MObject& o)
    {
        for (auto& n : g_nodes)
            if (n.get() == o.ptr) return n->alive ? n.get() : nullptr;
        return nullptr;
    }
    static MObject object(Node* n)
    {
        MObject o;
        o.ptr = n;
        return o;
    }
    static Node* plugNode(const MPlug& p) { return static_cast<Node*>(p.fNode); }
    static const MString& plugAttr(const MPlug& p) { return p.fAttr; }
    static MPlug plug(Node* n, const std::string& attr)
    {
        MPlug p;
        p.fNode = n;
        p.fAttr.setUTF8(attr.c_str());
        return p;
    }
};

static std::string u8(const MString& s) { return std::string(s.asUTF8()); }
static MString m8(const std::string& s)
{
    MString m;
    m.setUTF8(s.c_str());
    return m;
}
static bool matches(const Node* n, MFn::Type f)
{
    if (!n->alive) return false;
    if (f == MFn::kInvalid || f == MFn::kDependencyNode || f == MFn::kBase) return true;
    return f == MFn::kRenderLayer && n->type == "renderLayer";
}

// ---- MItDependencyNodes --------------------------------------------------------------------
MItDependencyNodes::MItDependencyNodes(MFn::Type filter, MStatus* rs) : fFilter(filter), fIndex(0)
{
    skip();
    if (rs) *rs = MS::kSuccess;
}
MItDependencyNodes::~MItDependencyNodes() {}
void MItDependencyNodes::skip()
{
    while (fIndex < g_nodes.size() && !matches(g_nodes[fIndex].get(), fFilter)) ++fIndex;
}
MStatus MItDependencyNodes::reset(MFn::Type filter)
{
    fFilter = filter;
    fIndex = 0;
    skip();
    return MS::kSuccess;
}
MObject MItDependencyNodes::thisNode(MStatus* rs) const
{
    bool ok = fIndex < g_nodes.size();
    if (rs) *rs = ok ? MS::kSuccess : MS::kFailure;
    return ok ? MStandinDG::object(g_nodes[fIndex].get()) : MObject();
}
MStatus MItDependencyNodes::next()
{
    if (fIndex < g_nodes.size()) ++fIndex;
    skip();
    return MS::kSuccess;
}
bool MItDependencyNodes::isDone(MStatus* rs) const
{
    if (rs) *rs = MS::kSuccess;
    return fIndex >= g_nodes.size();
}
const char* MItDependencyNodes::className() { return "MItDependencyNodes"; }

// ---- MFnDependencyNode ---------------------------------------------------------------------
MFnDependencyNode::MFnDependencyNode() {}
MFnDependencyNode::MFnDependencyNode(const MObject& o, MStatus* rs)
{
    MStatus s = setObject(o);
    if (rs) *rs = s;
}
MFnDependencyNode::~MFnDependencyNode() {}
MStatus MFnDependencyNode::setObject(const MObject& o)
{
    if (!MStandinDG::node(o)) return MS::kInvalidParameter;
    fObject = o;
    return MS::kSuccess;
}
MString MFnDependencyNode::name(MStatus* rs) const
{
    Node* n = MStandinDG::node(fObject);
    if (rs) *rs = n ? MS::kSuccess : MS::kFailure;
    return n ? m8(n->name) : MString();
}
MString MFnDependencyNode::typeName(MStatus* rs) const
{
    Node* n = MStandinDG::node(fObject);
    if (rs) *rs = n ? MS::kSuccess : MS::kFailure;
    return n ? m8(n->type) : MString();
}
MPlug MFnDependencyNode::findPlug(const MString& attrName, bool, MStatus* rs) const
{
    Node* n = MStandinDG::node(fObject);
    std::string a = longAttr(u8(attrName));
    // Every node has .message; layer nodes have their attributes whether set or not.
    bool known = n && hasAttr(n, a);
    if (rs) *rs = known ? MS::kSuccess : MS::kInvalidParameter;
    return known ? MStandinDG::plug(n, a) : MPlug();
}
bool MFnDependencyNode::isFromReferencedFile(MStatus* rs) const
{
    Node* n = MStandinDG::node(fObject);
    if (rs) *rs = n ? MS::kSuccess : MS::kFailure;
    return n && n->referenced;
}
const char* MFnDependencyNode::className() { return "MFnDependencyNode"; }

// ---- MPlug ---------------------------------------------------------------------------------
MPlug::MPlug() : fNode(nullptr) {}
MPlug::MPlug(const MPlug& o) : fNode(o.fNode), fAttr(o.fAttr) {}
MPlug& MPlug::operator=(const MPlug& o)
{
    fNode = o.fNode;
    fAttr = o.fAttr;
    return *this;
}
MPlug::~MPlug() {}
bool MPlug::isNull(MStatus* rs) const
{
    if (rs) *rs = MS::kSuccess;
    return fNode == nullptr;
}
MObject MPlug::node(MStatus* rs) const
{
    if (rs) *rs = fNode ? MS::kSuccess : MS::kFailure;
    return fNode ? MStandinDG::object(static_cast<Node*>(fNode)) : MObject();
}
MString MPlug::name(MStatus* rs) const
{
    if (rs) *rs = fNode ? MS::kSuccess : MS::kFailure;
    return fNode ? m8(static_cast<Node*>(fNode)->name + "." + shortAttr(u8(fAttr))) : MString();
}
MString MPlug::partialName(bool includeNodeName, bool, bool, bool, bool, bool useLongNames, MStatus* rs) const
{
    if (rs) *rs = fNode ? MS::kSuccess : MS::kFailure;
    if (!fNode) return MString();
    std::string a = useLongNames ? u8(fAttr) : shortAttr(u8(fAttr));
    return m8(includeNodeName ? static_cast<Node*>(fNode)->name + "." + a : a);
}
static std::string plugValue(const MPlug& p, MStatus* rs)
{
    Node* n = MStandinDG::plugNode(p);
    if (rs) *rs = n ? MS::kSuccess : MS::kFailure;
    if (!n) return std::string();
    auto it = n->attrs.find(u8(MStandinDG::plugAttr(p)));
    return it == n->attrs.end() ? std::string("0") : it->second;
}
bool MPlug::asBool(MStatus* rs) const { return truthy(plugValue(*this, rs)); }
int MPlug::asInt(MStatus* rs) const
{
    std::string v = plugValue(*this, rs);
    return truthy(v) && v != "1" ? 1 : std::atoi(v.c_str());
}
double MPlug::asDouble(MStatus* rs) const { return std::atof(plugValue(*this, rs).c_str()); }
MString MPlug::asString(MStatus* rs) const { return m8(plugValue(*this, rs)); }
MTime MPlug::asMTime(MStatus* rs) const { return MTime(std::atof(plugValue(*this, rs).c_str()), MTime::uiUnit()); }

// ---- MTime ---------------------------------------------------------------------------------
static double perSecond(MTime::Unit u)
{
    switch (u) {
    case MTime::kHours: return 1.0 / 3600.0;
    case MTime::kMinutes: return 1.0 / 60.0;
    case MTime::kSeconds: return 1.0;
    case MTime::kMilliseconds: return 1000.0;
    case MTime::kGames: return 15.0;
    case MTime::kFilm: return 24.0;
    case MTime::kPALFrame: return 25.0;
    case MTime::kNTSCFrame: return 30.0;
    default: return 24.0;
    }
}
MTime::MTime() : fValue(0), fUnit(kFilm) {}
MTime::MTime(double v, Unit u) : fValue(v), fUnit(u) {}
MTime::MTime(const MTime& o) : fValue(o.fValue), fUnit(o.fUnit) {}
MTime::~MTime() {}
MTime& MTime::operator=(const MTime& o)
{
    fValue = o.fValue;
    fUnit = o.fUnit;
    return *this;
}
MTime::Unit MTime::unit() const { return fUnit; }
double MTime::value() const { return fValue; }
double MTime::as(Unit u) const { return fValue / perSecond(fUnit) * perSecond(u); }
MTime::Unit MTime::uiUnit() { return kFilm; }  // the scenes here: currentUnit -t film
const char* MTime::className() { return "MTime"; }
bool MPlug::connectedTo(MPlugArray& array, bool asDst, bool asSrc, MStatus* rs) const
{
    array.clear();
    Node* n = static_cast<Node*>(fNode);
    std::string a = u8(fAttr);
    for (const Connection& c : g_connections) {
        if (!c.src->alive || !c.dst->alive) continue;
        if (asDst && c.dst == n && c.dstAttr == a) array.append(MStandinDG::plug(c.src, c.srcAttr));
        if (asSrc && c.src == n && c.srcAttr == a) array.append(MStandinDG::plug(c.dst, c.dstAttr));
    }
    if (rs) *rs = n ? MS::kSuccess : MS::kFailure;
    return array.length() > 0;
}
bool MPlug::isConnected(MStatus* rs) const
{
    MPlugArray a;
    return connectedTo(a, true, true, rs);
}
const char* MPlug::className() { return "MPlug"; }

// ---- MPlugArray ----------------------------------------------------------------------------
static std::vector<MPlug>& plugs(void* p) { return *static_cast<std::vector<MPlug>*>(p); }
MPlugArray::MPlugArray() : fArray(new std::vector<MPlug>()) {}
MPlugArray::MPlugArray(const MPlugArray& o) : fArray(new std::vector<MPlug>(plugs(o.fArray))) {}
MPlugArray& MPlugArray::operator=(const MPlugArray& o)
{
    plugs(fArray) = plugs(o.fArray);
    return *this;
}
MPlugArray::~MPlugArray() { delete &plugs(fArray); }
const MPlug& MPlugArray::operator[](unsigned int i) const { return plugs(fArray).at(i); }
MPlug& MPlugArray::operator[](unsigned int i) { return plugs(fArray).at(i); }
MStatus MPlugArray::clear()
{
    plugs(fArray).clear();
    return MS::kSuccess;
}
unsigned int MPlugArray::length() const { return (unsigned int)plugs(fArray).size(); }
MStatus MPlugArray::append(const MPlug& p)
{
    plugs(fArray).push_back(p);
    return MS::kSuccess;
}
const char* MPlugArray::className() { return "MPlugArray"; }

OPENMAYA_NAMESPACE_CLOSE
