/* The real kernel's equivalent of tasklab's vfork-exec: vfork, the child execs /bin/true
 * (or _exit(127)s if it cannot), the parent waitpid()s for it; as many times as asked.
 * Prints "<iterations> <seconds>". */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  char *const child_argv[] = {"true", NULL};
  char *const child_envp[] = {NULL};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    pid_t pid = vfork();
    if (pid < 0) return 1;
    if (pid == 0) {
      execve("/bin/true", child_argv, child_envp);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || status != 0) return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%ld %.9f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}
