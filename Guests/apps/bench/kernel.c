/*
 * bench: guest-side timings on the guest clock (CNTVCT, ns). Command line: count=N (default 100000).
 *   BENCH function-call count=N total_ns=T ns_per_op=P       the reference: a call to an empty function that
 *                                                            stays out of line (what the interpreter costs alone)
 *   BENCH null-hypercall count=N total_ns=T ns_per_op=P      xen_version(XENVER_version): HVC in, dispatch, out
 *   BENCH syscall count=N total_ns=T ns_per_op=P             an application's getpid: SVC bounced to the kernel
 *                                                            and XENARM_PV_return back to user mode
 *   BENCH evtchn-loopback count=N total_ns=T ns_per_op=P     EVTCHNOP_send on a channel bound to ourselves until
 *                                                            its handler ran (send, upcall, return)
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

void bench_syscalls(const char *arg); /* user.c */

static uint32_t count = 100000;
static volatile uint32_t delivered;
static volatile uint32_t bench_sink; /* keeps the reference loop's result alive */

static void report(const char *name, uint32_t n, uint64_t ns)
{
    uint32_t rem;
    uint64_t per = fmt_udiv64(ns, n, &rem);
    kprintf("BENCH %s count=%u total_ns=%llu ns_per_op=%llu\n", name, (unsigned)n, ns, per);
}

static void on_event(uint32_t port, void *arg) { delivered++; }

__attribute__((noinline)) static uint32_t empty_function(uint32_t x)
{
    __asm__ volatile("" : "+r"(x)); /* kept: the compiler may not fold the call away */
    return x;
}

int program_main(const char *cmdline)
{
    char value[24];
    if (fmt_arg(cmdline, "count", value, sizeof value) == 0)
        fmt_parse_u32(value, &count);
    if (count == 0)
        count = 1;

    uint64_t t0 = time_now_ns();
    uint32_t sink = 0;
    for (uint32_t i = 0; i < count; i++)
        sink += empty_function(i);
    report("function-call", count, time_now_ns() - t0);
    bench_sink = sink;

    t0 = time_now_ns();
    for (uint32_t i = 0; i < count; i++)
        HYPERVISOR_xen_version(XENVER_version, NULL);
    report("null-hypercall", count, time_now_ns() - t0);

    uint32_t a, b;
    if (evtchn_alloc_unbound(DOMID_SELF, &a) != 0 || evtchn_bind_interdomain(DOMID_SELF, a, &b) != 0)
        return 1;
    events_bind(a, on_event, NULL);
    t0 = time_now_ns();
    for (uint32_t i = 0; i < count; i++) {
        uint32_t before = delivered;
        evtchn_send(b);
        while (delivered == before)
            kernel_block();
    }
    report("evtchn-loopback", count, time_now_ns() - t0);

    fmt_format(value, sizeof value, "%u", (unsigned)count);
    return task_spawn(bench_syscalls, value) < 0 ? 1 : 0;
}
