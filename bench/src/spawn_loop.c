/* spawn_loop: the floor of the scale bench, what starting N processes costs with no supervisor
 * at all. It starts N copies of a command with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)
 * and exec, the way stackvisor starts a service, without its pipes, cgroups or bookkeeping),
 * one after another, then waits. On SIGTERM it sends SIGTERM to every child, reaps them all and
 * exits 0, so a stop is measured the same way as for the shell baseline.
 *
 *   spawn_loop N CMD [ARG...]
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: spawn_loop N CMD [ARG...]\n");
    return 2;
  }
  long n = strtol(argv[1], NULL, 10);
  if (n <= 0) {
    fprintf(stderr, "spawn_loop: N must be a positive number\n");
    return 2;
  }
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  if (!pids) return 1;
  /* SIGTERM is taken with sigwait, so it is blocked here, and unblocked again in the children
   * (a spawned child inherits the mask). */
  sigset_t term, none;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &term, NULL);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  long started = 0;
  for (; started < n; started++) {
    int err = posix_spawnp(&pids[started], argv[2], NULL, &attr, argv + 2, environ);
    if (err != 0) {
      fprintf(stderr, "spawn_loop: spawn %s (%ld of %ld): %s\n", argv[2], started + 1, n,
              strerror(err));
      break;
    }
  }
  int sig = 0;
  sigwait(&term, &sig);
  for (long i = 0; i < started; i++) kill(pids[i], SIGTERM);
  for (long left = started; left > 0;) {
    if (waitpid(-1, NULL, 0) > 0) left--;
    else if (errno != EINTR) break;
  }
  return started == n ? 0 : 1;
}
