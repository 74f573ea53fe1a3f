#ifndef _MFnDependencyNode
#define _MFnDependencyNode
// Stand-in of the Maya devkit header (signatures as in the public devkit, subset).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>
#include <maya/MObject.h>
#include <maya/MFnBase.h>
#include <maya/MPlug.h>
#include <maya/MString.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MFnDependencyNode : public MFnBase
{
public:
    MFnDependencyNode();
    MFnDependencyNode(const MObject& object, MStatus* ReturnStatus = NULL);
    virtual ~MFnDependencyNode();
    MStatus setObject(const MObject& object);
    MString name(MStatus* ReturnStatus = NULL) const;
    MString typeName(MStatus* ReturnStatus = NULL) const;
    MPlug findPlug(const MString& attrName, bool wantNetworkedPlug, MStatus* ReturnStatus = NULL) const;
    bool isFromReferencedFile(MStatus* ReturnStatus = NULL) const;
    static const char* className();

private:
    MFnDependencyNode(const MFnDependencyNode&);
    MFnDependencyNode& operator=(const MFnDependencyNode&);
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MFnDependencyNode */
