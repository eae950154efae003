/* Imports glibc's pidfd_open() (glibc 2.36) wrapper of a Linux 5.3 call. */
#include "common.h"
#include <sys/pidfd.h>
int main(void) {
    return report("pidfd_open()", pidfd_open(getpid(), 0));
}
