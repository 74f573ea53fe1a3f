#ifndef _MObject
#define _MObject
// Stand-in of the Maya devkit header (signatures as in the public devkit).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MObject
{
public:
    MObject();
    MObject(const MObject& other);
    ~MObject();
    MObject& operator=(const MObject& other);
    bool isNull() const;
    bool operator==(const MObject& other) const;
    bool operator!=(const MObject& other) const;
    static MObject kNullObj;
    static const char* className();

private:
    friend struct MStandinAccess;
    friend struct MStandinDG;
    void* ptr;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MObject */
