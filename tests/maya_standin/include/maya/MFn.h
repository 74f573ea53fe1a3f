#ifndef _MFn
#define _MFn
// Stand-in of the Maya devkit header: MFn::Type, the function-set / node type tags. The real
// enum has ~1,100 entries generated from MFnDefs; only those the plug-in uses are here (their
// numeric values are the stand-in's own: a plug-in names them, it never stores the numbers).
#if defined __cplusplus
#include <maya/MTypes.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MFn
{
public:
    enum Type {
        kInvalid = 0,
        kBase = 1,
        kDependencyNode = 4,
        kRenderLayer = 777,
        kLast
    };
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MFn */
