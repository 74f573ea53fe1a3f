// A Maya 2016 devkit root as FindMaya sees it (version line only): must be rejected.
#define MAYA_API_VERSION 201602
