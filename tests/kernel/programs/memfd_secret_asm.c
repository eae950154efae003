/* A new call through an inline `syscall` instruction: memfd_secret (447, Linux 5.14). */
#include "common.h"
int main(void) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(447L), "D"(0L) : "rcx", "r11", "memory");
    if (ret < 0) {
        errno = (int)-ret;
        ret = -1;
    }
    return report("memfd_secret", ret);
}
