// Loading a plug-in the way Maya does (shared by maya_host and the Python-loadable host,
// host_capi.cpp): dlopen, check the embedded MApiVersion, find the C++ entry points of this
// API namespace by their mangled names.
#pragma once

#include <maya/MObject.h>
#include <maya/MStatus.h>
#include <maya/MTypes.h>

#include <dlfcn.h>

#include <cstring>
#include <string>

namespace {

#define STR2(x) #x
#define STR(x) STR2(x)

inline std::string mangled(const char* fn)
{
    // Itanium mangling of `MStatus fn(Autodesk::Maya::<ns>::MObject)`: Maya looks the entry
    // points up by their C++ names in the API namespace it was built with.
    std::string ns = STR(OPENMAYA_MAJOR_NAMESPACE);
    return "_Z" + std::to_string(std::strlen(fn)) + fn + "N8Autodesk4Maya" + std::to_string(ns.size()) + ns +
           "7MObjectE";
}

typedef MStatus (*PluginEntry)(MObject);

struct Plugin {
    std::string path;
    void* handle = nullptr;
    PluginEntry init = nullptr;
    PluginEntry uninit = nullptr;
};

inline bool loadPlugin(Plugin& p, std::string& err)
{
    p.handle = dlopen(p.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!p.handle) {
        err = std::string("cannot load plug-in: ") + dlerror();
        return false;
    }
    const char* api = static_cast<const char*>(dlsym(p.handle, "MApiVersion"));
    if (!api) {
        err = "plug-in has no MApiVersion (was MFnPlugin.h included?)";
        return false;
    }
    if (std::string(api) != STR(MAYA_API_VERSION)) {
        err = std::string("plug-in was built for Maya API ") + api + ", this Maya is " STR(MAYA_API_VERSION);
        return false;
    }
    p.init = reinterpret_cast<PluginEntry>(dlsym(p.handle, mangled("initializePlugin").c_str()));
    p.uninit = reinterpret_cast<PluginEntry>(dlsym(p.handle, mangled("uninitializePlugin").c_str()));
    if (!p.init || !p.uninit) {
        err = "plug-in does not export initializePlugin/uninitializePlugin(MObject) for " +
              std::string(STR(OPENMAYA_MAJOR_NAMESPACE));
        return false;
    }
    return true;
}


}  // namespace
