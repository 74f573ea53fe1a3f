/* Foreground probe for scripts/bench-foreground.sh (issue 20): stands in for Maya's UI
 * thread. Every 10 ms (absolute deadlines, CLOCK_MONOTONIC) it does a fixed amount of CPU
 * work (calibrated once to about 2 ms on an idle core) and records how long after its
 * deadline the work finished. Prints "p50_ms p99_ms samples". A compiled program, so the
 * timing is the scheduler's, not an interpreter's.
 * Usage: foreground SECONDS [ITERATIONS]   (ITERATIONS: from a calibration run) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static void work(long n) {
    unsigned long x = 1;
    for (long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
    sink = x;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    long iters = argc > 2 ? atol(argv[2]) : 0;
    if (iters <= 0) { /* calibrate: iterations for 2 ms, best of 50 */
        long n = 1000000;
        double best = 1e9;
        for (int i = 0; i < 50; i++) {
            double t0 = now_ms();
            work(n);
            double d = now_ms() - t0;
            if (d < best) best = d;
        }
        printf("%ld\n", (long)(n * 2.0 / best));
        return 0;
    }
    int count = (int)(seconds * 100);
    double *lat = malloc(sizeof(double) * count);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int i = 0; i < count; i++) {
        next.tv_nsec += 10000000;
        if (next.tv_nsec >= 1000000000) { next.tv_nsec -= 1000000000; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        double due = next.tv_sec * 1e3 + next.tv_nsec / 1e6;
        work(iters);
        lat[i] = now_ms() - due;
    }
    qsort(lat, count, sizeof(double), cmp);
    printf("%.3f %.3f %d\n", lat[count / 2], lat[(int)(count * 0.99)], count);
    return 0;
}
