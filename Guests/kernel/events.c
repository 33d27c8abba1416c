/*
 * 2-level event channels (xen/xen.h shared_info): shared_info is placed at a guest frame outside RAM
 * (GUEST_SHARED_INFO_ADDR; xenarm refuses frames that would shadow RAM) with
 * XENMEM_add_to_physmap(XENMAPSPACE_shared_info), then mapped in our page table. On ARM xen_ulong_t is 64 bits;
 * the bit arrays are handled as 32-bit words (little endian, so bit n is word n/32, bit n%32) which keeps the
 * atomics to LDREX/STREX on words.
 */
#include "kernel.h"
#include "hypercall.h"

#define MAX_PORTS 1024 /* handlers kept for ports below this; others stay masked */

struct shared_info *shared_info_page;

static struct {
    event_handler fn;
    void *arg;
} handlers[MAX_PORTS];

static uint32_t *pending_words(void) { return (uint32_t *)shared_info_page->evtchn_pending; }
static uint32_t *mask_words(void) { return (uint32_t *)shared_info_page->evtchn_mask; }
static struct vcpu_info *vcpu0(void) { return &shared_info_page->vcpu_info[0]; }

void events_init(void)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = GUEST_SHARED_INFO_ADDR >> PAGE_SHIFT,
    };
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
    if (rc != 0)
        panic("add_to_physmap(shared_info) = %ld", rc);
    if (mm_map_page(GUEST_SHARED_INFO_ADDR, GUEST_SHARED_INFO_ADDR, XENARM_DOMAIN_KERNEL, 1) != 0)
        panic("no page table room for shared_info");
    shared_info_page = (struct shared_info *)GUEST_SHARED_INFO_ADDR;
    /* Every port starts masked until a handler is bound. */
    uint32_t *mask = mask_words();
    for (uint32_t i = 0; i < sizeof shared_info_page->evtchn_mask / 4; i++)
        __atomic_store_n(&mask[i], 0xffffffffu, __ATOMIC_SEQ_CST);
}

void events_mask(uint32_t port)
{
    __atomic_fetch_or(&mask_words()[port / 32], 1u << (port % 32), __ATOMIC_SEQ_CST);
}

void events_unmask(uint32_t port)
{
    /* EVTCHNOP_unmask re-raises the upcall if the port became pending while masked. */
    struct evtchn_unmask op = {.port = port};
    if (HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op) != 0)
        __atomic_fetch_and(&mask_words()[port / 32], ~(1u << (port % 32)), __ATOMIC_SEQ_CST);
}

int events_bind(uint32_t port, event_handler handler, void *arg)
{
    if (port >= MAX_PORTS)
        return -EINVAL;
    handlers[port].fn = handler;
    handlers[port].arg = arg;
    events_unmask(port);
    return 0;
}

void events_poll(void)
{
    struct vcpu_info *v = vcpu0();
    uint32_t *pending = pending_words(), *mask = mask_words();
    __atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    uint32_t *sel_words = (uint32_t *)&v->evtchn_pending_sel;
    for (int half = 0; half < 2; half++) {
        uint32_t sel = __atomic_exchange_n(&sel_words[half], 0, __ATOMIC_SEQ_CST);
        while (sel != 0) {
            uint32_t bit = (uint32_t)__builtin_ctz(sel);
            sel &= sel - 1;
            /* Selector bit b (of 64) covers the 64-bit pending word b, i.e. our 32-bit words 2b and 2b+1. */
            uint32_t xword = (uint32_t)half * 32 + bit;
            for (uint32_t w = xword * 2; w < xword * 2 + 2; w++) {
                uint32_t ready = __atomic_load_n(&pending[w], __ATOMIC_SEQ_CST) & ~__atomic_load_n(&mask[w], __ATOMIC_SEQ_CST);
                while (ready != 0) {
                    uint32_t b = (uint32_t)__builtin_ctz(ready);
                    ready &= ready - 1;
                    uint32_t port = w * 32 + b;
                    __atomic_fetch_and(&pending[w], ~(1u << b), __ATOMIC_SEQ_CST);
                    if (port < MAX_PORTS && handlers[port].fn != NULL)
                        handlers[port].fn(port, handlers[port].arg);
                    else
                        events_mask(port);
                }
            }
        }
    }
}

void upcalls_mask(void) { __atomic_store_n(&vcpu0()->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST); }

void upcalls_unmask(void)
{
    __atomic_store_n(&vcpu0()->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    /* A pending event that arrived while masked is delivered on the next hypercall return; make one. */
    if (__atomic_load_n(&vcpu0()->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
        HYPERVISOR_xen_version(XENVER_version, NULL);
}

void kernel_block(void)
{
    /* Masked around the check so an event between the check and the block is not lost: SCHEDOP_block returns
     * at once when an event is pending. Handlers then run here, not as a nested upcall. */
    upcalls_mask();
    if (!__atomic_load_n(&vcpu0()->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    upcalls_mask();
    events_poll();
}

int evtchn_bind_virq(uint32_t virq, uint32_t *port)
{
    struct evtchn_bind_virq op = {.virq = virq, .vcpu = 0};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    if (rc == 0)
        *port = op.port;
    return (int)rc;
}

int evtchn_alloc_unbound(domid_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    if (rc == 0)
        *port = op.port;
    return (int)rc;
}

int evtchn_bind_interdomain(domid_t remote, uint32_t remote_port, uint32_t *port)
{
    struct evtchn_bind_interdomain op = {.remote_dom = remote, .remote_port = remote_port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    if (rc == 0)
        *port = op.local_port;
    return (int)rc;
}

int evtchn_send(uint32_t port)
{
    struct evtchn_send op = {.port = port};
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_close(uint32_t port)
{
    struct evtchn_close op = {.port = port};
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}
