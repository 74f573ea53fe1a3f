#ifndef _MGlobal
#define _MGlobal
// Stand-in of the Maya devkit header (the messaging and state subset).
#if defined __cplusplus
#include <maya/MIntArray.h>
#include <maya/MDoubleArray.h>
#include <maya/MString.h>
#include <maya/MStringArray.h>
#include <maya/MObject.h>
#include <maya/MStatus.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MGlobal
{
public:
    static MString mayaVersion();
    static int apiVersion();
    enum MMayaState {
        kInteractive,
        kBatch,
        kLibraryApp,
        kBaseUIMode
    };
    static MMayaState mayaState(MStatus* ReturnStatus = NULL);
    static MStatus executeCommand(const MString& command, bool displayEnabled = false,
                                  bool undoEnabled = false);
    static MStatus executeCommand(const MString& command, MStringArray& result,
                                  bool displayEnabled = false, bool undoEnabled = false);
    static MStatus executeCommandOnIdle(const MString& command, bool displayEnabled = false);
    static void displayInfo(const MString& theMessage);
    static void displayWarning(const MString& theWarning);
    static void displayError(const MString& theError);
    static MString optionVarStringValue(const MString& name, bool* exists = NULL);
    static const char* className();
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MGlobal */
