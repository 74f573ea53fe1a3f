#ifndef _MFnPlugin
#define _MFnPlugin
// Stand-in of the Maya devkit header (signatures as in the public devkit; only commands).
#if defined __cplusplus
#include <maya/MFnBase.h>
#include <maya/MApiVersion.h>
#include <maya/MString.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MFnPlugin : public MFnBase
{
public:
    MFnPlugin();
    MFnPlugin(MObject& object,
              const char* vendor = "Unknown",
              const char* version = "Unknown",
              const char* requiredApiVersion = "Any",
              MStatus* ReturnStatus = 0L);
    virtual ~MFnPlugin();
    MString vendor(MStatus* ReturnStatus = NULL) const;
    MString version(MStatus* ReturnStatus = NULL) const;
    MString apiVersion(MStatus* ReturnStatus = NULL) const;
    MString name(MStatus* ReturnStatus = NULL) const;
    MString loadPath(MStatus* ReturnStatus = NULL) const;
    MStatus setName(const MString& newName, bool allowRename = true);
    MStatus setVersion(const MString& newVersion);
    MStatus registerCommand(const MString& commandName,
                            MCreatorFunction creatorFunction,
                            MCreateSyntaxFunction createSyntaxFunction = NULL);
    MStatus deregisterCommand(const MString& commandName);
    static const char* className();
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MFnPlugin */
