#ifndef _MMessage
#define _MMessage
// Stand-in of the Maya devkit header (callback ids and removal).
#if defined __cplusplus
#include <maya/MStatus.h>

//! Type used to hold callback identifiers.
typedef MUintPtrSz MCallbackId;

OPENMAYA_MAJOR_NAMESPACE_OPEN

class MIntArray;
class MString;

class OPENMAYA_EXPORT MMessage
{
public:
    typedef enum {
        kDefaultAction,
        kDoNotDoAction,
        kDoAction
    } Action;
    typedef void (*MBasicFunction)(void* clientData);
    typedef void (*MElapsedTimeFunction)(float elapsedTime, float lastTime, void* clientData);
    typedef void (*MStringFunction)(const MString& str, void* clientData);
    static MStatus removeCallback(MCallbackId id);
    static MCallbackId currentCallbackId(MStatus* ReturnStatus = NULL);
    static const char* className();
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MMessage */
