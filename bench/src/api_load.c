/* Paced API requests for bench/py/api_load.py: the same requests as its Python load (a fresh
 * connection each, HTTP/1.1, GET rotating over the paths given), without the Python client's
 * own CPU (about 330 us a request, ten times the server's), which on a 2-core machine would be
 * charged to the log path being measured.
 *
 *   api_load SOCKET RATE SECONDS PATH...
 *
 * Runs until SECONDS pass or SIGTERM/SIGINT, then prints one line per request to stdout:
 * "START STATUS SECONDS", START on CLOCK_MONOTONIC (Python's time.monotonic()), STATUS the HTTP
 * status or an error name, SECONDS from connect to the last body byte (-1 on error). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_RECORDS 1000000
#define TIMEOUT_MS 5000

struct record {
  double start;
  int status; /* > 0: HTTP status; < 0: -errno of the failing step */
  double seconds;
};

static volatile sig_atomic_t stop;
static struct record *records;
static size_t count;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads until the headers and Content-Length bytes of body are in; returns the status or
 * -errno. */
static int read_response(int fd) {
  char buf[1 << 16];
  size_t have = 0;
  long need = -1;
  size_t head_end = 0;
  int status = -EPROTO;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, TIMEOUT_MS);
    if (ready == 0) return -ETIMEDOUT;
    if (ready < 0) return -errno;
    if (have == sizeof buf) return -EMSGSIZE;
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n < 0) return -errno;
    if (n == 0) return need < 0 ? -ECONNRESET : status;
    have += (size_t)n;
    if (need < 0) {
      char *end = memmem(buf, have, "\r\n\r\n", 4);
      if (end == NULL) continue;
      head_end = (size_t)(end - buf) + 4;
      if (have < 12 || memcmp(buf, "HTTP/1.", 7) != 0) return -EPROTO;
      status = atoi(buf + 9);
      char *cl = memmem(buf, head_end, "\r\ncontent-length:", 17);
      if (cl == NULL) cl = memmem(buf, head_end, "\r\nContent-Length:", 17);
      need = cl ? atol(cl + 17) : 0;
    }
    if (have - head_end >= (size_t)need) return status;
    if (have == sizeof buf) { /* a large body: keep only the count */
      need -= (long)(have - head_end);
      have = head_end = 0;
    }
  }
}

static int one_request(const char *sock, const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, sock, sizeof addr.sun_path - 1);
  int status;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    status = -errno;
  } else {
    char req[512];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
    if (write(fd, req, (size_t)len) != len)
      status = -errno;
    else
      status = read_response(fd);
  }
  close(fd);
  return status;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: api_load SOCKET RATE SECONDS PATH...\n");
    return 2;
  }
  const char *sock = argv[1];
  double rate = atof(argv[2]), seconds = atof(argv[3]);
  char **paths = argv + 4;
  int npaths = argc - 4;
  if (rate <= 0 || seconds <= 0) return 2;
  records = calloc(MAX_RECORDS, sizeof *records);
  if (records == NULL) return 1;
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  const double t0 = now(), period = 1.0 / rate;
  double next_at = t0;
  unsigned long k = 0;
  while (!stop && now() - t0 < seconds && count < MAX_RECORDS) {
    double wait = next_at - now();
    if (wait > 0) {
      struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
      nanosleep(&ts, NULL); /* a signal cuts it short: the loop checks `stop` */
      continue;
    }
    next_at += period;
    double started = now();
    int status = one_request(sock, paths[k++ % (unsigned long)npaths]);
    records[count++] = (struct record){started, status, status > 0 ? now() - started : -1};
  }
  for (size_t i = 0; i < count; ++i) {
    if (records[i].status > 0)
      printf("%.6f %d %.6f\n", records[i].start, records[i].status, records[i].seconds);
    else
      printf("%.6f %s -1\n", records[i].start, strerrorname_np(-records[i].status));
  }
  return 0;
}
