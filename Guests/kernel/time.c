/*
 * Guest system time: the ARM virtual counter (CNTVCT, readable in user mode) scaled by CNTFRQ to ns, as Xen
 * ARM guests read it. set_timer_op takes an absolute deadline on that clock; VIRQ_TIMER fires when it passes.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

volatile uint32_t timer_ticks;
static uint64_t next_deadline; /* 0 = none programmed */

static uint64_t counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t frequency(void)
{
    uint32_t f;
    __asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(f));
    return f;
}

uint64_t time_now_ns(void)
{
    uint32_t f = frequency();
    uint64_t c = counter();
    if (f == 0 || f == 1000000000u)
        return c;
    uint32_t rem;
    uint64_t secs = fmt_udiv64(c, f, &rem);
    return secs * 1000000000ull + fmt_udiv64((uint64_t)rem * 1000000000ull, f, NULL);
}

static void on_timer(uint32_t port, void *arg)
{
    timer_ticks++;
    next_deadline = 0;
    task_timer_tick(); /* wakes sleepers and programs the next deadline */
}

void time_init(void)
{
    uint32_t port;
    int rc = evtchn_bind_virq(VIRQ_TIMER, &port);
    if (rc != 0)
        panic("bind_virq(VIRQ_TIMER) = %d", rc);
    events_bind(port, on_timer, NULL);
}

void time_set_deadline(uint64_t deadline_ns)
{
    if (next_deadline != 0 && next_deadline <= deadline_ns)
        return;
    next_deadline = deadline_ns;
    long rc = HYPERVISOR_set_timer_op(deadline_ns);
    if (rc != 0)
        panic("set_timer_op = %ld", rc);
}

void ksleep_ns(uint64_t ns)
{
    uint64_t deadline = time_now_ns() + ns;
    while (time_now_ns() < deadline) {
        time_set_deadline(deadline);
        kernel_block();
    }
}
