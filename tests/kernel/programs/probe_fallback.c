/* Probes memfd_secret (447, Linux 5.14) and falls back on memfd_create when
 * the kernel answers ENOSYS: works everywhere, flagged by any static scan. */
#include "common.h"
#include <sys/mman.h>
int main(void) {
    long fd = syscall(447, 0);
    if (fd < 0 && errno == ENOSYS) {
        puts("memfd_secret: ENOSYS, falling back on memfd_create");
        fd = syscall(SYS_memfd_create, "fallback", 0);
    }
    return report("secret memory or fallback", fd);
}
