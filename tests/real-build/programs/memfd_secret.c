/* A feature test decided at compile time by the kernel headers: with
   headers of Linux 5.14 or newer it calls memfd_secret, which a 5.10
   kernel does not have (ENOSYS). Built against compat's Linux 5.10 headers
   it takes the other branch. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
#ifndef __NR_memfd_secret
  printf("Doing stuff without memfd\n");
#else
  printf("Doing stuff with memfd\n");
  long ret = syscall(__NR_memfd_secret, 0);
  if (ret == -1) {
    perror("syscall memfd_secret failed");
    return 1;
  }
  printf("syscall memfd_secret succeeded\n");
#endif
  return 0;
}
