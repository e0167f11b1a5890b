/* writer: emits numbered 100-byte lines for the throughput bench.
 *
 *   writer ID LINES MODE [GO_FIFO [DONE_FILE]]
 *
 * Line n (n = 0..LINES-1) of writer ID is exactly 100 bytes with its '\n':
 *   "w<ID> <n:08> " + 78 x letter(ID) + " <n:08>\n"
 * so a line torn or spliced with another writer's line never passes the checker's comparison.
 * MODE "stdio": one 4096-byte fully buffered stdout (each write(2) of 4 KiB splits a line);
 * MODE "line": one write(2) per line.
 * GO_FIFO (optional): open it, create GO_FIFO.ready.ID, and block in read() until the harness
 * closes its end, so every writer starts at the same moment, after the supervisor under test
 * has finished starting up.
 * DONE_FILE (optional): after the last line, close stdout/stderr, create DONE_FILE and wait for
 * SIGTERM (for supervisors that stop everything when one child exits, like foreman).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kLine = 100, kFill = 78 };

static void WriteAll(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(3);
    p += w;
    n -= (size_t)w;
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: writer ID LINES stdio|line [GO_FIFO [DONE_FILE]]\n");
    return 2;
  }
  const int id = atoi(argv[1]);
  const long lines = atol(argv[2]);
  const int stdio_mode = strcmp(argv[3], "stdio") == 0;
  if (argc > 4 && argv[4][0] != '\0') {
    int fd = open(argv[4], O_RDONLY);
    if (fd < 0) return 4;
    /* Tells the harness this writer holds the FIFO open: closing its end now starts us. */
    char ready[4096];
    snprintf(ready, sizeof ready, "%s.ready.%d", argv[4], id);
    int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (rfd >= 0) close(rfd);
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR) {
    }
    close(fd);
  }

  char line[kLine + 1];
  char head[16];
  snprintf(head, sizeof head, "w%d ", id);
  const size_t head_len = strlen(head);
  char *p = line;
  memcpy(p, head, head_len);  /* "w1 " then 8 digits at [head_len..] */
  const size_t digits1 = head_len;
  p += head_len + 8;
  *p++ = ' ';
  memset(p, 'a' + id % 26, kFill - (head_len - 3));  /* keep the line at exactly 100 bytes */
  p += kFill - (head_len - 3);
  *p++ = ' ';
  const size_t digits2 = (size_t)(p - line);
  p += 8;
  *p++ = '\n';
  if (p - line != kLine) return 5;

  static char buf[4096];
  if (stdio_mode) setvbuf(stdout, buf, _IOFBF, sizeof buf);
  for (long n = 0; n < lines; ++n) {
    char num[9];
    long v = n;
    for (int i = 7; i >= 0; --i) {
      num[i] = (char)('0' + v % 10);
      v /= 10;
    }
    memcpy(line + digits1, num, 8);
    memcpy(line + digits2, num, 8);
    if (stdio_mode) {
      if (fwrite(line, 1, kLine, stdout) != kLine) return 3;
    } else {
      WriteAll(line, kLine);
    }
  }
  if (stdio_mode && fflush(stdout) != 0) return 3;

  if (argc > 5) {
    fclose(stdout);
    close(2);
    int fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
    for (;;) pause();  /* SIGTERM's default action ends us */
  }
  return 0;
}
