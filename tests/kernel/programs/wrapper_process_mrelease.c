/* Imports glibc's process_mrelease() (glibc 2.35) wrapper of a Linux 5.15 call. */
#include "common.h"
#include <sys/mman.h>
int main(void) {
    return report("process_mrelease()", process_mrelease(-1, 0));
}
