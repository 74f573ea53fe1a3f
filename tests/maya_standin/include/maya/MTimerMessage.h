#ifndef _MTimerMessage
#define _MTimerMessage
// Stand-in of the Maya devkit header. Callbacks run on the main thread when Maya is idle;
// here the host fires them on demand.
#if defined __cplusplus
#include <maya/MMessage.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MTimerMessage : public MMessage
{
public:
    typedef void (*sleepCallbackPtr)();
    static MCallbackId addTimerCallback(float period,
                                        MMessage::MElapsedTimeFunction func,
                                        void* clientData = NULL,
                                        MStatus* ReturnStatus = NULL);
    static const char* className();
    static MStatus setSleepCallback(sleepCallbackPtr sleepFunc);
    static MTimerMessage::sleepCallbackPtr sleepCallback();
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MTimerMessage */
