#ifndef _MPxCommand
#define _MPxCommand
// Stand-in of the Maya devkit header. The setResult/appendToResult overloads are exactly the
// devkit's (2016 public headers = 2022+ API reference member list): no 64-bit integer, no
// unsigned long, so a plugin that passes a uint64_t does not compile here either.
#if defined __cplusplus
#include <maya/MStatus.h>
#include <maya/MTypes.h>
#include <maya/MString.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class MArgList;
class MIntArray;
class MDoubleArray;
class MStringArray;
class MSyntax;

class OPENMAYA_EXPORT MPxCommand
{
public:
    MPxCommand();
    virtual ~MPxCommand();
    virtual MStatus doIt(const MArgList& args);
    virtual MStatus undoIt();
    virtual MStatus redoIt();
    virtual bool isUndoable() const;
    virtual bool hasSyntax() const;
    MSyntax syntax() const;
    bool isHistoryOn() const;
    MString commandString() const;
    MStatus setHistoryOn(bool state);
    MStatus setCommandString(const MString&);
    static void displayInfo(const MString& theInfo);
    static void displayWarning(const MString& theWarning, bool showLineNumber = false);
    static void displayError(const MString& theError, bool showLineNumber = false);
    enum MResultType {
        kLong,
        kDouble,
        kString,
        kNoArg
    };
    static void clearResult();
    static void setResult(unsigned int val);
    static void setResult(int val);
    static void setResult(double val);
    static void setResult(bool val);
BEGIN_NO_SCRIPT_SUPPORT:
    static void setResult(const char* val);
END_NO_SCRIPT_SUPPORT:
    static void setResult(const MString& val);
    static void setResult(const MIntArray& val);
    static void setResult(const MDoubleArray& val);
    static void setResult(const MStringArray& val);
    static void appendToResult(int val);
    static void appendToResult(double val);
    static void appendToResult(bool val);
BEGIN_NO_SCRIPT_SUPPORT:
    static void appendToResult(const char* val);
END_NO_SCRIPT_SUPPORT:
    static void appendToResult(const MString& val);
    static void appendToResult(const MStringArray& val);
    static bool isCurrentResultArray();
    static MResultType currentResultType();
    static const char* className();
    MStatus setUndoable(bool state);

protected:
    void setData(void* ptr);
    void* instance;

private:
    friend struct MStandinAccess;
    MString command;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MPxCommand */
