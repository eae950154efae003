/* A new call through libc's syscall(): memfd_secret (447, Linux 5.14), as a
 * program compiled against 5.14+ headers does it. */
#include "common.h"
int main(void) {
    return report("memfd_secret", syscall(447, 0));
}
