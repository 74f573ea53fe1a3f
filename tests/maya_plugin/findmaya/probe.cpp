// Compiled only to check the Maya:: targets give a plug-in what it needs.
#include <maya/MFnPlugin.h>
PLUGIN_EXPORT MStatus initializePlugin(MObject) { return MS::kSuccess; }
PLUGIN_EXPORT MStatus uninitializePlugin(MObject) { return MS::kSuccess; }
