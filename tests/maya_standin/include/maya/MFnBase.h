#ifndef _MFnBase
#define _MFnBase
// Stand-in of the Maya devkit header (only what MFnPlugin needs).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>
#include <maya/MObject.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MFnBase
{
public:
    MFnBase();
    virtual ~MFnBase();
    MObject object(MStatus* ReturnStatus = NULL) const;
    static const char* className();

protected:
    MObject fObject;

private:
    MFnBase(const MFnBase&);
    MFnBase& operator=(const MFnBase&);
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MFnBase */
