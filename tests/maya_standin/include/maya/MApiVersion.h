#ifndef _MApiVersion
#define _MApiVersion
// Stand-in of the Maya devkit header: embeds the API version string the plug-in was built
// against (Maya reads it at load), unless MNoVersionString is defined. Include MFnPlugin.h in
// exactly one source file of a plug-in, or define MNoVersionString in the others.
#ifndef MNoVersionString

#define _versionString1(_version) _versionString2(_version)
#define _versionString2(_version) PLUGIN_EXPORT char MApiVersion[] = #_version

#ifdef __cplusplus
extern "C" {
#endif

_versionString1(MAYA_API_VERSION);

#ifdef __cplusplus
}
#endif

#undef _versionString1
#undef _versionString2

#endif // MNoVersionString
#endif /* _MApiVersion */
