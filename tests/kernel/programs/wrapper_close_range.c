/* Imports glibc's close_range() (glibc 2.34) wrapper of a Linux 5.9 call. */
#include "common.h"
#include <linux/close_range.h>
int main(void) {
    return report("close_range()", close_range(100, 200, 0));
}
