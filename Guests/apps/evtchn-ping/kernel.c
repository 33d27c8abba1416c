/*
 * evtchn-ping (evtgnt): the guest end of the event channel round trip guest -> Dom0 process -> guest
 * (docs/hypervisor-bus.md, docs/benchmarks.md "Event channels"). Lines:
 *   PING offered port=<p>                       a port offered to Dom0 (a Dom0 process binds it over the bus)
 *   PING bound                                  the Dom0 end is bound (status interdomain)
 *   PING rtt count=<n> total_ns=<t> avg_ns=<a> min_ns=<m> max_ns=<x>
 * Command line: count=N (default 1000), warmup=N (default 50), wait=MS (default 20000: how long to wait for
 * the Dom0 end to bind). Each round trip: send on the port, block until the Dom0 process's notify comes back.
 * RESULT ok when every round trip completed.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

static volatile uint32_t received;

static void on_event(uint32_t port, void *arg) { received++; }

static int bound(uint32_t port)
{
    struct evtchn_status st = {.dom = DOMID_SELF, .port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_interdomain;
}

/* One round trip: returns its duration in ns, or 0 if the answer did not come within a second. */
static uint64_t ping(uint32_t port)
{
    uint32_t before = received;
    uint64_t start = time_now_ns();
    if (evtchn_send(port) != 0)
        return 0;
    while (received == before) {
        if (time_now_ns() - start > 1000000000ull)
            return 0;
        kernel_block();
    }
    uint64_t took = time_now_ns() - start;
    return took ? took : 1;
}

int program_main(const char *cmdline)
{
    uint32_t count = fmt_arg_u32(cmdline, "count", 1000), warmup = fmt_arg_u32(cmdline, "warmup", 50);
    uint32_t wait_ms = fmt_arg_u32(cmdline, "wait", 20000), port;
    if (evtchn_alloc_unbound(0, &port) != 0) {
        kprintf("PING alloc-failed\n");
        return 1;
    }
    events_bind(port, on_event, NULL);
    kprintf("PING offered port=%u\n", (unsigned)port);
    for (uint32_t waited = 0; !bound(port); waited += 10) {
        if (waited >= wait_ms) {
            kprintf("PING not-bound\n");
            return 1;
        }
        ksleep_ns(10000000ull);
    }
    kprintf("PING bound\n");
    for (uint32_t i = 0; i < warmup; i++)
        if (ping(port) == 0) {
            kprintf("PING lost warmup=%u\n", (unsigned)i);
            return 1;
        }
    uint64_t total = 0, min = ~0ull, max = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t t = ping(port);
        if (t == 0) {
            kprintf("PING lost at=%u\n", (unsigned)i);
            return 1;
        }
        total += t;
        if (t < min) min = t;
        if (t > max) max = t;
    }
    kprintf("PING rtt count=%u total_ns=%llu avg_ns=%llu min_ns=%llu max_ns=%llu\n", (unsigned)count,
            (unsigned long long)total, (unsigned long long)(count ? fmt_udiv64(total, count, NULL) : 0), (unsigned long long)min,
            (unsigned long long)max);
    return 0;
}
