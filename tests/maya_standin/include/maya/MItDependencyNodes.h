#ifndef _MItDependencyNodes
#define _MItDependencyNodes
// Stand-in of the Maya devkit header (signatures as in the public devkit; the MIteratorType
// overloads are left out).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>
#include <maya/MObject.h>
#include <maya/MFn.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MItDependencyNodes
{
public:
    MItDependencyNodes(MFn::Type filter = MFn::kInvalid, MStatus* ReturnStatus = NULL);
    virtual ~MItDependencyNodes();
    MStatus reset(MFn::Type filter = MFn::kInvalid);
    MObject thisNode(MStatus* ReturnStatus = NULL) const;
    MStatus next();
    bool isDone(MStatus* ReturnStatus = NULL) const;
    static const char* className();

private:
    MItDependencyNodes(const MItDependencyNodes&);
    MItDependencyNodes& operator=(const MItDependencyNodes&);
    void skip();
    MFn::Type fFilter;
    unsigned int fIndex;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MItDependencyNodes */
