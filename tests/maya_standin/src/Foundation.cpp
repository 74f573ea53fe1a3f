// Stand-in libFoundation.so: present so FindMaya finds and links it as in a real install.
// (The brm plugin uses nothing from it directly; Maya's own classes live in libOpenMaya here.)
#include <maya/MTypes.h>
extern "C" FND_EXPORT const char* MStandinFoundationVersion() { return "stand-in"; }
