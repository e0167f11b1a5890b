/* LD_PRELOAD shim for the clock fault test: the wall clock (time, gettimeofday,
 * clock_gettime(CLOCK_REALTIME*)) jumps by CLOCK_SHIM_STEP seconds (default +3600) every
 * CLOCK_SHIM_PERIOD_MS milliseconds (default 250) of monotonic time after the first call.
 * Monotonic clocks pass through untouched, so a program that times its backoffs and grace
 * periods with a monotonic clock behaves exactly as without the shim. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec*);

static clock_gettime_fn real_clock_gettime(void) {
  static clock_gettime_fn fn;
  if (!fn) fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
  return fn;
}

static long long offset_seconds(void) {
  static long long start_ns = -1, step = 3600, period_ns = 250000000LL;
  struct timespec now;
  real_clock_gettime()(CLOCK_MONOTONIC, &now);
  long long ns = now.tv_sec * 1000000000LL + now.tv_nsec;
  if (start_ns < 0) {
    const char* s = getenv("CLOCK_SHIM_STEP");
    const char* p = getenv("CLOCK_SHIM_PERIOD_MS");
    if (s) step = atoll(s);
    if (p) period_ns = atoll(p) * 1000000LL;
    start_ns = ns;
  }
  return step * ((ns - start_ns) / period_ns);
}

static int is_realtime(clockid_t id) {
  return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec* ts) {
  int rc = real_clock_gettime()(id, ts);
  if (rc == 0 && is_realtime(id)) ts->tv_sec += offset_seconds();
  return rc;
}

int gettimeofday(struct timeval* tv, void* tz) {
  (void)tz;
  struct timespec ts;
  int rc = clock_gettime(CLOCK_REALTIME, &ts);
  if (rc == 0) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return rc;
}

time_t time(time_t* out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
