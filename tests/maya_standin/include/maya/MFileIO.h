#ifndef _MFileIO
#define _MFileIO
// Stand-in of the Maya devkit header (the current-file and export subset).
#if defined __cplusplus
#include <maya/MObject.h>
#include <maya/MStatus.h>
#include <maya/MString.h>
#include <maya/MStringArray.h>
#include <maya/MTypes.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MFileIO
{
public:
    MFileIO();
    MFileIO(const MString& fileName);
    virtual ~MFileIO();
    static MString currentFile();
    static MStatus setCurrentFile(const MString& fileName);
    static MString fileType();
    static MStatus save(bool force = false);
    static MStatus saveAs(const MString& fileName, const char* type = NULL, bool force = false);
    static MStatus exportSelected(const MString& fileName, const char* type = NULL,
                                  bool preserveReferences = false);
    static MStatus exportAll(const MString& fileName, const char* type = NULL,
                             bool preserveReferences = false);
    static bool isReadingFile();
    static bool isWritingFile();
    static bool isOpeningFile();
    static const char* className();
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MFileIO */
