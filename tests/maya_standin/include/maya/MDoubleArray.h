#ifndef _MDoubleArray
#define _MDoubleArray
// Stand-in of the Maya devkit header (signatures as in the public devkit).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MDoubleArray
{
public:
    MDoubleArray();
    MDoubleArray(const MDoubleArray& other);
    ~MDoubleArray();
    MDoubleArray& operator=(const MDoubleArray& other);
    double operator[](unsigned int index) const;
    unsigned int length() const;
    MStatus append(double element);
    MStatus clear();
    static const char* className();

private:
    void* fArray;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MDoubleArray */
