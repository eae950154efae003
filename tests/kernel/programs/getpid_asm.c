/* An old call through an inline `syscall` instruction: getpid (39). */
#include "common.h"
int main(void) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(39L) : "rcx", "r11", "memory");
    return report("getpid", ret);
}
