#ifndef _MArgList
#define _MArgList
// Stand-in of the Maya devkit header (signatures as in the public devkit).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>
#include <maya/MString.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class MStringArray;
class MIntArray;

class OPENMAYA_EXPORT MArgList
{
public:
    static const unsigned int kInvalidArgIndex;
    MArgList();
    MArgList(const MArgList& other);
    ~MArgList();
    unsigned int length(MStatus* ReturnStatus = NULL) const;
    bool asBool(unsigned int index, MStatus* ret = NULL) const;
    int asInt(unsigned int index, MStatus* ret = NULL) const;
    double asDouble(unsigned int index, MStatus* ret = NULL) const;
    MString asString(unsigned int index, MStatus* ret = NULL) const;
    MIntArray asIntArray(unsigned int& index, MStatus* ReturnStatus = NULL) const;
    const MStringArray asStringArray(unsigned int& index, MStatus* ReturnStatus = NULL) const;
    MArgList& operator=(const MArgList& other);
    unsigned int flagIndex(const char* shortFlag, const char* longFlag = NULL) const;
    MStatus addArg(bool arg);
    MStatus addArg(int arg);
    MStatus addArg(double arg);
    MStatus addArg(const MString& arg);
BEGIN_NO_SCRIPT_SUPPORT:
    MStatus get(unsigned int index, bool& ret) const;
    MStatus get(unsigned int index, int& ret) const;
    MStatus get(unsigned int index, double& ret) const;
    MStatus get(unsigned int index, MString& ret) const;
END_NO_SCRIPT_SUPPORT:
    static const char* className();

private:
    friend struct MStandinAccess;
    void* fArgList;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MArgList */
