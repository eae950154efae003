/* Compresses and restores a buffer with zlib, and prints the version of the
   zlib it runs with: proof that the program found its own libz at run
   time. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void) {
  const char text[] = "compat: zlib round trip, zlib round trip, zlib round trip";
  unsigned char packed[256];
  char unpacked[sizeof text];
  uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
  if (compress(packed, &packed_len, (const Bytef *)text, sizeof text) != Z_OK)
    return 2;
  if (uncompress((Bytef *)unpacked, &unpacked_len, packed, packed_len) != Z_OK)
    return 3;
  if (unpacked_len != sizeof text || memcmp(text, unpacked, sizeof text) != 0)
    return 4;
  printf("zlib %s: %lu -> %lu bytes and back\n", zlibVersion(), (unsigned long)sizeof text,
         (unsigned long)packed_len);
  return 0;
}
