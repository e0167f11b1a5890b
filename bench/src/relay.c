/* relay: the cheapest hops a supervisor could be, as baselines for workload c.
 *
 *   relay MODE CMD [ARG...] [-- CMD [ARG...]]...
 *
 * Starts each CMD with its stdout on a pipe of its own and moves everything the children write
 * to relay's stdout, until every pipe is at EOF; then reaps the children and exits 0.
 *   splice  splice(2) from each child's pipe to stdout: no byte is copied through user space,
 *           no line is kept whole (a child's 4 KiB writes interleave with the others').
 *   copy    read(2) 128 KiB, write(2) it: what `cat` does, with no line handling either.
 *   lines   read(2), and write only complete lines, each preceded by "NAME | ": the least a
 *           correct prefixing relay does (one buffer per child, one write(2) per read).
 * None of them is a supervisor (no restart, no signals, no readiness): they bound from below
 * what the hop between the children and stdout costs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kMaxChildren = 16, kChunk = 128 * 1024 };

struct Child {
  int fd;
  pid_t pid;
  char prefix[16];
  size_t prefix_len;
  char *buf; /* lines mode: bytes read, [0, used) of which the tail is an incomplete line */
  size_t used;
};

static void Die(const char *what) {
  perror(what);
  exit(2);
}

static void WriteAll(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) Die("write");
    p += w;
    n -= (size_t)w;
  }
}

/* Returns 0 at EOF. */
static int Splice(struct Child *c) {
  for (;;) {
    ssize_t n = splice(c->fd, NULL, 1, NULL, 1 << 20, SPLICE_F_MOVE);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("splice");
    return n > 0;
  }
}

static int Copy(struct Child *c) {
  static char buf[kChunk];
  ssize_t n = read(c->fd, buf, sizeof buf);
  if (n < 0 && errno == EINTR) return 1;
  if (n < 0) Die("read");
  WriteAll(buf, (size_t)n);
  return n > 0;
}

static int Lines(struct Child *c) {
  static char out[2 * kChunk + 8192];
  ssize_t n = read(c->fd, c->buf + c->used, kChunk);
  if (n < 0 && errno == EINTR) return 1;
  if (n < 0) Die("read");
  if (n == 0) {
    if (c->used > 0) { /* a last line without '\n' */
      memcpy(out, c->prefix, c->prefix_len);
      memcpy(out + c->prefix_len, c->buf, c->used);
      out[c->prefix_len + c->used] = '\n';
      WriteAll(out, c->prefix_len + c->used + 1);
    }
    return 0;
  }
  c->used += (size_t)n;
  size_t o = 0, start = 0;
  for (;;) {
    char *nl = memchr(c->buf + start, '\n', c->used - start);
    if (nl == NULL) break;
    size_t len = (size_t)(nl - (c->buf + start)) + 1;
    memcpy(out + o, c->prefix, c->prefix_len);
    memcpy(out + o + c->prefix_len, c->buf + start, len);
    o += c->prefix_len + len;
    start += len;
  }
  WriteAll(out, o);
  memmove(c->buf, c->buf + start, c->used - start);
  c->used -= start;
  if (c->used >= kChunk) { /* a line longer than the buffer: pass it on in pieces */
    WriteAll(c->buf, c->used);
    c->used = 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: relay splice|copy|lines CMD [ARG...] [-- CMD [ARG...]]...\n");
    return 2;
  }
  int (*move)(struct Child *) = strcmp(argv[1], "splice") == 0 ? Splice
                                : strcmp(argv[1], "copy") == 0 ? Copy
                                : strcmp(argv[1], "lines") == 0 ? Lines
                                                                : NULL;
  if (move == NULL) Die("mode");
  struct Child children[kMaxChildren];
  struct pollfd pfds[kMaxChildren];
  int n = 0;
  for (int i = 2; i < argc && n < kMaxChildren;) {
    int end = i;
    while (end < argc && strcmp(argv[end], "--") != 0) ++end;
    argv[end < argc ? end : argc] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) Die("pipe2");
    pid_t pid = fork();
    if (pid < 0) Die("fork");
    if (pid == 0) {
      dup2(p[1], 1);
      execvp(argv[i], argv + i);
      _exit(127);
    }
    close(p[1]);
    struct Child *c = &children[n];
    c->fd = p[0];
    c->pid = pid;
    c->prefix_len = (size_t)snprintf(c->prefix, sizeof c->prefix, "w%d | ", n);
    c->buf = malloc(2 * kChunk);
    c->used = 0;
    if (c->buf == NULL) Die("malloc");
    pfds[n].fd = p[0];
    pfds[n].events = POLLIN;
    ++n;
    i = end + 1;
  }
  for (int open = n; open > 0;) {
    if (poll(pfds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      Die("poll");
    }
    for (int k = 0; k < n; ++k) {
      if (pfds[k].fd < 0 || pfds[k].revents == 0) continue;
      if (!move(&children[k])) {
        close(pfds[k].fd);
        pfds[k].fd = -1;
        --open;
      }
    }
  }
  for (int k = 0; k < n; ++k) waitpid(children[k].pid, NULL, 0);
  return 0;
}
