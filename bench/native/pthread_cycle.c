/* The real kernel's equivalent of tasklab's kthread-cycle: create a thread, let it run,
 * join it; as many times as asked. Prints "<iterations> <seconds>". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *body(void *arg) { return arg; }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, body, NULL) != 0) return 1;
    pthread_join(t, NULL);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%ld %.9f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}
