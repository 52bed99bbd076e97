/*
 * bcryptprimitives.dll for wine, for the smoke test of make release only
 * (never shipped): Go's Windows runtime asks this DLL for ProcessPrng at
 * start, and Debian 12's wine 8.0 has no such DLL, so every Go program
 * fails there before main. ProcessPrng fills a buffer with random bytes;
 * RtlGenRandom (advapi32's SystemFunction036), which wine has, does that.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		length -= chunk;
	}
	return TRUE;
}
