/* readyprog: the services of the latency bench. Every time printed is CLOCK_MONOTONIC in ns,
 * taken by the program itself, so a latency is measured between two processes' own clocks with
 * no supervisor log parsing in the way.
 *
 *   readyprog notify DELAY_MS OUT        after DELAY_MS: t=now, send READY=1 to $NOTIFY_SOCKET
 *   readyprog log    DELAY_MS OUT        after DELAY_MS: t=now, print "ready to serve"
 *   readyprog tcp    DELAY_MS OUT PORT   after DELAY_MS: listen on 127.0.0.1:PORT, t=now
 *   readyprog http   DELAY_MS OUT PORT   same, answering every request "200 OK"
 *   readyprog stamp  OUT                 t=now as the first thing main() does
 *   readyprog crash  OUT LIFE_MS MAX     appends "S t" at start; the first MAX incarnations live
 *                                        LIFE_MS then append "E t" and _exit(1); later ones stay
 * Each mode writes t to OUT (one decimal line) and then waits to be signalled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void SleepMs(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static void Record(const char *path, const char *tag, long long t) {
  char line[64];
  int n = snprintf(line, sizeof line, "%s%lld\n", tag, t);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) _exit(4);
  if (write(fd, line, (size_t)n) != n) _exit(4);
  close(fd);
}

static void Forever(void) {
  for (;;) pause();
}

static int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) {
    perror("bind/listen");
    _exit(5);
  }
  return fd;
}

static void Serve(int fd, int http) {
  static const char kReply[] = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    if (http) {
      char buf[4096];
      ssize_t got = read(c, buf, sizeof buf);  /* the request fits in one segment on loopback */
      if (got > 0 && write(c, kReply, sizeof kReply - 1) < 0) {
      }
    }
    close(c);
  }
}

static int Notify(void) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (path == NULL || path[0] == '\0') return -1;
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  size_t len = strlen(path);
  if (len >= sizeof a.sun_path) return -1;
  memcpy(a.sun_path, path, len);
  if (path[0] == '@') a.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  static const char kMsg[] = "READY=1";
  ssize_t n = sendto(fd, kMsg, sizeof kMsg - 1, 0, (struct sockaddr *)&a,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
  close(fd);
  return n < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  const long long t_start = Now();
  if (argc < 3) {
    fprintf(stderr, "usage: see the comment at the top of readyprog.c\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "stamp") == 0) {
    Record(argv[2], "", t_start);
    Forever();
  }
  if (strcmp(mode, "crash") == 0) {
    if (argc < 5) return 2;
    const char *out = argv[2];
    Record(out, "S ", t_start);
    int starts = 0;
    FILE *f = fopen(out, "r");
    char line[64];
    while (f && fgets(line, sizeof line, f)) starts += line[0] == 'S';
    if (f) fclose(f);
    if (starts > atoi(argv[4])) Forever();
    SleepMs(atol(argv[3]));
    Record(out, "E ", Now());
    _exit(1);
  }
  if (argc < 4) return 2;
  SleepMs(atol(argv[2]));
  const char *out = argv[3];
  if (strcmp(mode, "notify") == 0) {
    long long t = Now();
    if (Notify() < 0) {
      fprintf(stderr, "readyprog: cannot notify (NOTIFY_SOCKET=%s)\n", getenv("NOTIFY_SOCKET"));
      return 6;
    }
    Record(out, "", t);
    Forever();
  }
  if (strcmp(mode, "log") == 0) {
    long long t = Now();
    static const char kReady[] = "ready to serve\n";
    if (write(1, kReady, sizeof kReady - 1) < 0) return 3;
    Record(out, "", t);
    Forever();
  }
  if ((strcmp(mode, "tcp") == 0 || strcmp(mode, "http") == 0) && argc > 4) {
    int fd = Listen(atoi(argv[4]));
    Record(out, "", Now());
    Serve(fd, mode[0] == 'h');
  }
  return 2;
}
