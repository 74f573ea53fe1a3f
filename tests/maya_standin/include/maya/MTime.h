#ifndef _MTime
#define _MTime
// Stand-in of the Maya devkit header (signatures as in the public devkit, subset). The
// stand-in keeps times in frames of the scene's unit (the .ma files here use `film`).
#if defined __cplusplus
#include <maya/MTypes.h>
#include <maya/MStatus.h>

OPENMAYA_MAJOR_NAMESPACE_OPEN

class OPENMAYA_EXPORT MTime
{
public:
    enum Unit {
        kInvalid,
        kHours,
        kMinutes,
        kSeconds,
        kMilliseconds,
        kGames,   // 15 fps
        kFilm,    // 24 fps
        kPALFrame,
        kNTSCFrame,
        kLast
    };
    MTime();
    MTime(double value, Unit unit = kFilm);
    MTime(const MTime& src);
    ~MTime();
    MTime& operator=(const MTime& rhs);
    Unit unit() const;
    double value() const;
    double as(Unit unit) const;
    static Unit uiUnit();
    static const char* className();

private:
    double fValue;
    Unit fUnit;
};

OPENMAYA_NAMESPACE_CLOSE

#endif /* __cplusplus */
#endif /* _MTime */
