/* A new call through libc's syscall(): epoll_pwait2 (441, Linux 5.11). */
#include "common.h"
#include <sys/epoll.h>
int main(void) {
    int ep = epoll_create1(0);
    struct epoll_event ev;
    struct { long sec, nsec; } zero = {0, 0};
    return report("epoll_pwait2", syscall(441, ep, &ev, 1, &zero, NULL, 8));
}
