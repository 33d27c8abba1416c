#include "ulib.h"
#include "fmt.h"

void bench_syscalls(const char *arg);
void bench_syscalls(const char *arg)
{
    uint32_t n = 1;
    fmt_parse_u32(arg, &n);
    uint32_t t0 = sys_time_ms();
    for (uint32_t i = 0; i < n; i++)
        sys_getpid();
    uint32_t ms = sys_time_ms() - t0;
    /* Whole milliseconds from user mode (SYS_time): enough for a count that takes a second or more. */
    uprintf("BENCH syscall count=%u total_ms=%u ns_per_op=%u\n", (unsigned)n, (unsigned)ms,
            (unsigned)(fmt_udiv64((uint64_t)ms * 1000000u, n, NULL)));
}
