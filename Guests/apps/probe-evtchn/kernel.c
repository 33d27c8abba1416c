/*
 * probe-evtchn: event channel isolation. Lines:
 *   EVTCHN <case> ret=<n>               (a refused operation: ret < 0 expected)
 *   EVTCHN loopback-delivered count=<n> (the control: a channel bound to ourselves works)
 *   EVTCHN offered port=<p> remote=<d>  (role=offer: a port left unbound for domain <d>)
 * Command line:
 *   role=offer remote=D [wait=MS]  allocate a port for domain D (not the prober), print it, stay alive MS ms
 *   peer=D [ports=N]               (default) try to reach domain D's ports 1..N (default 8): bind_interdomain
 *                                  to each, status of D's ports, allocating in D's table; and send on ports
 *                                  this domain never bound. All must be refused.
 *   role=exhaust [wait=MS]         allocate ports offered to Dom0 until the hypervisor refuses (-ENOSPC):
 *                                  EVTCHN exhausted count=<n> ret=<errno>; then, still holding all of them,
 *                                  stay alive MS ms (default 3000) while the other domains allocate theirs;
 *                                  then close one and allocate again (EVTCHN exhaust-control ret=0: the
 *                                  refusal was the table being full, not a broken call)
 * RESULT ok when every refusal happened and the loopback control delivered its event.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

static int failures;
static volatile uint32_t loopback_events;

static void refused(const char *name, uint32_t port, long ret)
{
    kprintf("EVTCHN %s port=%u ret=%ld\n", name, (unsigned)port, ret);
    if (ret >= 0)
        failures++;
}

static void on_loopback(uint32_t port, void *arg) { loopback_events++; }

static int offer(const char *cmdline)
{
    uint32_t remote = fmt_arg_u32(cmdline, "remote", 0), port;
    int rc = evtchn_alloc_unbound((domid_t)remote, &port);
    if (rc != 0) {
        kprintf("EVTCHN offer-failed ret=%d\n", rc);
        return 1;
    }
    kprintf("EVTCHN offered port=%u remote=%u\n", (unsigned)port, (unsigned)remote);
    ksleep_ns((uint64_t)fmt_arg_u32(cmdline, "wait", 1000) * 1000000ull);
    struct evtchn_status st = {.dom = DOMID_SELF, .port = port};
    long r = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
    kprintf("EVTCHN offered-after ret=%ld status=%u\n", r, (unsigned)st.status);
    /* Still unbound: nobody else could bind it. */
    return r == 0 && st.status == EVTCHNSTAT_unbound ? 0 : 1;
}

static int exhaust(const char *cmdline)
{
    uint32_t port, count = 0, last = 0;
    int rc;
    while ((rc = evtchn_alloc_unbound(0, &port)) == 0) {
        count++;
        last = port;
        if (count > 8192)
            break; /* the table never said no: reported below */
    }
    kprintf("EVTCHN exhausted count=%u ret=%d\n", (unsigned)count, rc);
    if (rc >= 0)
        failures++;
    ksleep_ns((uint64_t)fmt_arg_u32(cmdline, "wait", 3000) * 1000000ull);
    int closed = evtchn_close(last);
    rc = evtchn_alloc_unbound(0, &port);
    kprintf("EVTCHN exhaust-control close=%d ret=%d port=%u\n", closed, rc, (unsigned)port);
    if (closed != 0 || rc != 0)
        failures++;
    return failures;
}

static int probe(const char *cmdline)
{
    uint32_t peer = fmt_arg_u32(cmdline, "peer", 0), nports = fmt_arg_u32(cmdline, "ports", 8), port;
    ksleep_ns((uint64_t)fmt_arg_u32(cmdline, "delay", 100) * 1000000ull);

    /* Control: a channel from us to us delivers. */
    uint32_t a, b;
    if (evtchn_alloc_unbound(DOMID_SELF, &a) != 0 || evtchn_bind_interdomain(DOMID_SELF, a, &b) != 0) {
        kprintf("EVTCHN loopback-setup-failed\n");
        failures++;
    } else {
        events_bind(a, on_loopback, NULL);
        evtchn_send(b);
        for (int i = 0; i < 100 && loopback_events == 0; i++)
            ksleep_ns(1000000);
        kprintf("EVTCHN loopback-delivered count=%u\n", (unsigned)loopback_events);
        if (loopback_events == 0)
            failures++;
    }

    for (uint32_t p = 1; p <= nports; p++) {
        refused("bind-peer-port", p, evtchn_bind_interdomain((domid_t)peer, p, &port));
        struct evtchn_status st = {.dom = (domid_t)peer, .port = p};
        refused("status-peer-port", p, HYPERVISOR_event_channel_op(EVTCHNOP_status, &st));
    }
    struct evtchn_alloc_unbound au = {.dom = (domid_t)peer, .remote_dom = DOMID_SELF};
    refused("alloc-in-peer-table", 0, HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au));
    /* Ports this domain never bound (ours are few and low): sending must not reach anyone. */
    for (uint32_t p = 40; p < 40 + nports; p++)
        refused("send-unbound-port", p, evtchn_send(p));
    refused("close-unbound-port", 40, evtchn_close(40));
    return failures;
}

int program_main(const char *cmdline)
{
    char role[16];
    if (fmt_arg(cmdline, "role", role, sizeof role) == 0 && role[0] == 'o')
        return offer(cmdline);
    if (fmt_arg(cmdline, "role", role, sizeof role) == 0 && role[0] == 'e')
        return exhaust(cmdline);
    return probe(cmdline);
}
