#ifndef _MPlugArray
#define _MPlugArray
// Stand-in of the Maya devkit header (signatures as in the public devkit, subset).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>
#include <maya/MPlug.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MPlugArray
{
public:
    MPlugArray();
    MPlugArray(const MPlugArray& other);
    MPlugArray& operator=(const MPlugArray& other);
    ~MPlugArray();
    const MPlug& operator[](unsigned int index) const;
    MPlug& operator[](unsigned int index);
    MStatus clear();
    unsigned int length() const;
    MStatus append(const MPlug& plug);
    static const char* className();

private:
    void* fArray;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MPlugArray */
