/* The call number is chosen at run time: getpid (39) when the pid is
 * positive, memfd_secret (447) otherwise. A scan must not guess 447. */
#include "common.h"
int main(int argc, char **argv) {
    (void)argv;
    long nr = getpid() > 0 || argc > 99 ? 39 : 447;
    volatile long chosen = nr;
    return report("runtime-chosen", syscall(chosen, 0));
}
