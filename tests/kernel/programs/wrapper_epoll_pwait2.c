/* Imports glibc's epoll_pwait2() (glibc 2.35) wrapper of a Linux 5.11 call. */
#include "common.h"
#include <sys/epoll.h>
#include <time.h>
int main(void) {
    int ep = epoll_create1(0);
    struct epoll_event ev;
    struct timespec zero = {0, 0};
    return report("epoll_pwait2()", epoll_pwait2(ep, &ev, 1, &zero, NULL));
}
