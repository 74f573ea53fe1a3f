// Stand-in libOpenMayaUI.so: present so FindMaya's Maya::OpenMayaUI target resolves.
#include <maya/MTypes.h>
extern "C" OPENMAYA_EXPORT const char* MStandinOpenMayaUIVersion() { return "stand-in"; }
