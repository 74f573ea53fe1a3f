/* Test-only stand-in for Windows' bcryptprimitives.dll, for running brm under Wine 8.0.
 *
 * Rust's standard library (1.78+) gets random bytes (HashMap seeds) from ProcessPrng, exported
 * by bcryptprimitives.dll since Windows 10; Wine added it only in Wine 9, so a Rust program
 * fails to start under Debian 12's Wine 8.0 ("ProcessPrng not found"). This DLL exports that one
 * function, with the documented signature (BOOL ProcessPrng(PBYTE, SIZE_T), always TRUE:
 * https://learn.microsoft.com/windows/win32/seccng/processprng), on top of RtlGenRandom
 * (advapi32!SystemFunction036), which Wine has. It is put beside the test executables only;
 * it is never shipped: real Windows has the real DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
