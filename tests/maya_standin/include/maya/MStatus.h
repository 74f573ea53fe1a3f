#ifndef _MStatus
#define _MStatus
// Stand-in of the Maya devkit header (signatures as in the public devkit).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MIOStream.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MStatus
{
public:
    enum MStatusCode
    {
        kSuccess = 0,
        kFailure,
        kInsufficientMemory,
        kInvalidParameter,
        kLicenseFailure,
        kUnknownParameter,
        kNotImplemented,
        kNotFound,
        kEndOfFile
    };
    MStatus() : fStatusCode(kSuccess), fInternalStatusCode(0xff), fStatus(true) {}
    MStatus(MStatusCode code)
        : fStatusCode((unsigned char)code), fInternalStatusCode(0xff), fStatus(code == kSuccess) {}
    MStatus(const MStatus& o)
        : fStatusCode(o.fStatusCode), fInternalStatusCode(o.fInternalStatusCode), fStatus(o.fStatus) {}
    MStatus& operator=(const MStatus& rhs)
    {
        fStatusCode = rhs.fStatusCode;
        fInternalStatusCode = rhs.fInternalStatusCode;
        fStatus = rhs.fStatus;
        return *this;
    }
    bool operator==(const MStatus& rhs) const { return fStatusCode == rhs.fStatusCode; }
    bool operator==(const MStatusCode rhs) const { return fStatusCode == rhs; }
    bool operator!=(const MStatus& rhs) const { return fStatusCode != rhs.fStatusCode; }
    bool operator!=(const MStatusCode rhs) const { return fStatusCode != rhs; }
    bool error() const { return !fStatus; }
    void clear() { fStatusCode = kSuccess; fInternalStatusCode = 0xff; fStatus = true; }
    MStatusCode statusCode() const { return (MStatusCode)fStatusCode; }
    MString errorString() const;
BEGIN_NO_SCRIPT_SUPPORT:
    void perror(const char*) const;
END_NO_SCRIPT_SUPPORT:
    void perror(const MString&) const;
    void set(bool status, unsigned char statusCode, unsigned char internalStatusCode)
    {
        fStatus = status;
        fStatusCode = statusCode;
        fInternalStatusCode = internalStatusCode;
    }
    void setSuccess() { fStatus = true; fStatusCode = kSuccess; fInternalStatusCode = 0xff; }
BEGIN_NO_SCRIPT_SUPPORT:
    operator bool() const { return fStatus; }
    friend inline bool operator==(const MStatus::MStatusCode code, const MStatus& status)
    {
        return status.fStatusCode == code;
    }
    friend inline bool operator!=(const MStatus::MStatusCode code, const MStatus& status)
    {
        return status.fStatusCode != code;
    }
END_NO_SCRIPT_SUPPORT:
private:
    unsigned char fStatusCode;
    unsigned char fInternalStatusCode;
    bool fStatus;
};

OPENMAYA_NAMESPACE_CLOSE

#if !defined(MNoMSTypedef)
typedef MStatus MS;
#endif

#define CHECK_MSTATUS_AND_RETURN_IT(_status)                 \
    {                                                        \
        MStatus _maya_status = (_status);                    \
        if (MStatus::kSuccess != _maya_status) {             \
            _maya_status.perror("");                         \
            return _maya_status;                             \
        }                                                    \
    }
#define MFAIL(_status) (MStatus::kSuccess != (_status))

#endif /* __cplusplus */
#endif /* _MStatus */
