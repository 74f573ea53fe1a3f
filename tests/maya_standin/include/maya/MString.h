#ifndef _MString
#define _MString
// Stand-in of the Maya devkit header (signatures as in the public devkit).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MString
{
public:
    MString();
    MString(const char* charString);
    MString(const char* charString, int charLength);
    MString(const MString& other);
    ~MString();
    MString& operator+=(const MString& other);
    MString& operator+=(const char* other);
    MString& operator+=(double other);
    MString& operator+=(int other);
    MString& operator+=(unsigned int other);
    MString& operator+=(float other);
    MString& operator=(const MString& other);
    MString& operator=(const char* other);
    MString& operator=(double value);
    bool operator==(const MString& other) const;
    bool operator==(const char* other) const;
    bool operator!=(const MString& other) const;
    bool operator!=(const char* other) const;
    MString operator+(const MString& other) const;
    MString operator+(const char* other) const;
    MString operator+(double value) const;
    MStatus set(const char* charString);
    MStatus set(const char* charString, int charLength);
    const char* asChar() const;
    const char* asChar(int& charLength) const;
    const char* asUTF8() const;
    const char* asUTF8(int& length) const;
    MStatus setUTF8(const char* utf8String);
    unsigned int length() const;
    unsigned int numChars() const;
    void clear();
    int index(char) const;
    int rindex(char) const;
    MString substring(int start, int end) const;
    MString toLowerCase() const;
    bool isInt() const;
    int asInt() const;
    static const char* className();

private:
    // Stand-in: the text is kept as UTF-8 (Maya keeps Unicode); `const char*` in and out of
    // the non-UTF8 members is the locale's multibyte encoding, converted like Maya does.
    char* fData;
    unsigned int fLength;
    mutable char* fLocale;  // asChar()'s buffer
};

OPENMAYA_EXPORT MString operator+(const char*, const MString&);

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MString */
