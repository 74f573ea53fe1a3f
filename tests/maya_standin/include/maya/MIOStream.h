#ifndef _MIOStream
#define _MIOStream
// Stand-in of the Maya devkit header: the real one includes the standard streams.
#if defined __cplusplus
#include <iostream>
#endif
#endif /* _MIOStream */
