/*
 * Console frontend on the console ring (xen/io/console.h), as a Xen PV guest's hvc driver does.
 *
 * The toolstack gives every domain a ring page and an event channel port offered to Dom0
 * (HVM_PARAM_CONSOLE_PFN / HVM_PARAM_CONSOLE_EVTCHN). The console backend (xenarm backend console) binds the port
 * and moves bytes between the ring and the terminal model. Output goes to the ring once the backend has bound the
 * port for the first time; until then (early boot, or a topology without a console backend) console_write keeps
 * using console_io. The switch is sticky: when the backend restarts, the port is briefly unbound again, but the
 * bytes written meanwhile wait in the ring and the restarted backend resumes from out_cons (no loss, no repeat).
 *
 * Ring rules (console.h): we produce out[] (out_prod) and consume in[] (in_cons); indices are free-running
 * 32-bit counters masked by the ring size. A barrier separates data from the index that publishes it. Indices
 * written by the other side are not trusted: a distance above the ring size is treated as "nothing to read"
 * (in) or "full" (out) rather than followed.
 */
#include "kernel.h"
#include "hypercall.h"
#include <xen/io/console.h>

static volatile struct xencons_interface *ring;
static uint32_t ring_port;
static int ring_connected;            /* sticky: the backend bound the port once */
static volatile uint32_t ring_events; /* notifications from the backend (space freed, input arrived) */

static void on_console_event(uint32_t port, void *arg) { ring_events++; }

static inline void barrier_full(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

void console_ring_init(void)
{
    uint64_t pfn = 0, evtchn = 0;
    if (kernel_hvm_param(HVM_PARAM_CONSOLE_PFN, &pfn) != 0 || kernel_hvm_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn) != 0)
        return;
    if (pfn == 0 || evtchn == 0)
        return;
    uint32_t pa = (uint32_t)pfn << PAGE_SHIFT;
    if (mm_map_page(pa, pa, XENARM_DOMAIN_KERNEL, 1) != 0)
        return;
    ring_port = (uint32_t)evtchn;
    events_bind(ring_port, on_console_event, NULL);
    ring = (volatile struct xencons_interface *)pa;
}

static int backend_bound(void)
{
    struct evtchn_status st = {.dom = DOMID_SELF, .port = ring_port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_interdomain;
}

int console_ring_connected(void)
{
    if (ring == NULL)
        return 0;
    if (!ring_connected && backend_bound())
        ring_connected = 1;
    return ring_connected;
}

uint32_t console_ring_port(void) { return ring_port; }

void console_ring_scribble(uint32_t out_distance, uint32_t in_distance)
{
    if (ring == NULL)
        return;
    /* A hostile guest's view of the ring: producer and consumer indices that no honest side would write. */
    ring->out_prod = ring->out_cons + out_distance;
    ring->in_cons = ring->in_prod + in_distance;
    barrier_full();
    evtchn_send(ring_port);
}

/* Waits a little for the backend (a notification or 1 ms, whichever first). */
static void ring_wait(void) { ksleep_ns(1000000ull); }

int console_ring_write(const char *s, size_t len)
{
    if (!console_ring_connected())
        return -1;
    while (len > 0) {
        XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
        barrier_full(); /* read the indices before the data they cover */
        XENCONS_RING_IDX used = prod - cons;
        if (used >= sizeof ring->out) { /* full (or a consumer index beyond reason: wait for a sane one) */
            ring_wait();
            continue;
        }
        size_t n = sizeof ring->out - used;
        if (n > len)
            n = len;
        for (size_t i = 0; i < n; i++)
            ring->out[MASK_XENCONS_IDX(prod++, ring->out)] = s[i];
        barrier_full(); /* the bytes before the index that publishes them */
        ring->out_prod = prod;
        evtchn_send(ring_port);
        s += n;
        len -= n;
    }
    return 0;
}

void console_ring_flush(uint64_t timeout_ns)
{
    if (!ring_connected)
        return;
    uint64_t deadline = time_now_ns() + timeout_ns;
    while (ring->out_cons != ring->out_prod && time_now_ns() < deadline)
        ring_wait();
}

size_t console_ring_read(char *buf, size_t size)
{
    if (!console_ring_connected())
        return 0;
    XENCONS_RING_IDX cons = ring->in_cons, prod = ring->in_prod;
    barrier_full();
    XENCONS_RING_IDX avail = prod - cons;
    if (avail > sizeof ring->in) { /* a producer index beyond reason: drop what it claims, keep going */
        ring->in_cons = prod;
        return 0;
    }
    size_t n = avail < size ? avail : size;
    for (size_t i = 0; i < n; i++)
        buf[i] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
    barrier_full(); /* the bytes are copied before the space is given back */
    ring->in_cons = cons;
    if (n > 0)
        evtchn_send(ring_port);
    return n;
}

int console_read_line(char *buf, size_t size, uint64_t timeout_ns)
{
    size_t used = 0;
    uint64_t deadline = time_now_ns() + timeout_ns;
    while (used + 1 < size) {
        char c;
        if (console_ring_read(&c, 1) == 1) {
            if (c == '\r' || c == '\n') {
                buf[used] = 0;
                return (int)used;
            }
            buf[used++] = c;
            continue;
        }
        if (time_now_ns() >= deadline)
            return -ETIMEDOUT;
        ring_wait();
    }
    buf[used] = 0;
    return (int)used;
}
