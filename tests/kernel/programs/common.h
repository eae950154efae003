/* Shared by the kernel harness's test programs: each prints one line and
 * exits 0 when its system call worked, 1 when the kernel lacked it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(const char *what, long ret) {
    if (ret < 0 && errno == ENOSYS) {
        printf("%s: ENOSYS (%s)\n", what, strerror(errno));
        return 1;
    }
    printf("%s: ok (%ld)\n", what, ret);
    return 0;
}
