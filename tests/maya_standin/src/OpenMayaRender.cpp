// Stand-in libOpenMayaRender.so: present so FindMaya's Maya::OpenMayaRender target resolves.
#include <maya/MTypes.h>
extern "C" OPENMAYA_EXPORT const char* MStandinOpenMayaRenderVersion() { return "stand-in"; }
