/*
 * xs-bench: sequential xenstore round trips from the guest over its xenstore ring (kernel/xenstore.c), timed on the
 * guest clock (CNTVCT: the host's monotonic clock in ns). One request at a time, each waiting for its reply, as the
 * Dom0 clients of Tests/Integration/performance/xenstored_bench.py do on the Unix socket and ZeroMQ. Lines:
 *   XSB read count=N total_ns=T      XS_READ of data/bench (a 16-byte value) for about `ms` milliseconds
 *   XSB write count=N total_ns=T     XS_WRITE of the same 16 bytes (xenstored fsyncs its journal before each reply)
 *   XSB fail <what> err=<name>
 * Command line: ms=M (per phase, default 2000). RESULT ok when every request succeeded.
 */
#include "kernel.h"
#include "fmt.h"
#include "string.h"
#include "xenstore.h"

#define VALUE "vvvvvvvvvvvvvvvv"

static int phase(const char *name, int write, uint64_t duration_ns)
{
    char value[32];
    uint32_t count = 0;
    uint64_t t0 = time_now_ns(), now = t0;
    while (now - t0 < duration_ns) {
        int rc = write ? xs_write("data/bench", VALUE) : xs_read("data/bench", value, sizeof value);
        if (rc < 0 || (!write && strcmp(value, VALUE) != 0)) {
            kprintf("XSB fail %s err=%s\n", name, rc < 0 ? xs_error_name(rc) : "wrong value");
            return 1;
        }
        count++;
        now = time_now_ns();
    }
    kprintf("XSB %s count=%u total_ns=%llu\n", name, (unsigned)count, now - t0);
    return 0;
}

int program_main(const char *cmdline)
{
    uint32_t ms = 2000;
    char arg[16];
    if (fmt_arg(cmdline, "ms", arg, sizeof arg) == 0)
        fmt_parse_u32(arg, &ms);
    int rc = xs_init();
    if (rc == 0)
        rc = xs_write("data/bench", VALUE);  /* also waits for xenstored to serve the ring */
    if (rc != 0) {
        kprintf("XSB fail setup err=%s\n", xs_error_name(rc));
        return 1;
    }
    uint64_t duration = (uint64_t)ms * 1000000ull;
    return phase("read", 0, duration) | phase("write", 1, duration);
}
