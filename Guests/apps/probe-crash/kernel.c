/*
 * probe-crash: a guest that crashes, for crash containment. It prints `CRASH alive n=<i>` every 100 ms for
 * delay=MS (default 1000), then `CRASH now`, removes its exception vectors and writes outside its RAM: the
 * hypervisor cannot deliver the data abort and crashes the domain ("crashed: data abort ... no vector
 * registered"). Nothing after that line may appear; every other domain must go on as if nothing happened.
 * mode=shutdown instead ends with SCHEDOP_shutdown(SHUTDOWN_crash), the guest's own declaration of a crash.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

int program_main(const char *cmdline)
{
    char value[24];
    uint32_t delay = 1000;
    if (fmt_arg(cmdline, "delay", value, sizeof value) == 0)
        fmt_parse_u32(value, &delay);
    for (uint32_t i = 0; i * 100 < delay; i++) {
        kprintf("CRASH alive n=%u\n", (unsigned)i);
        ksleep_ns(100000000ull);
    }
    kprintf("CRASH now\n");
    if (fmt_has_word(cmdline, "mode=shutdown")) {
        struct sched_shutdown s = {.reason = SHUTDOWN_crash};
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    } else {
        static const struct xenarm_vectors none;
        HYPERVISOR_arch_pv(XENARM_PV_set_vectors, (uint32_t)&none, 0);
        HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, 0, 0);
        *(volatile uint32_t *)0x10000000u = 0xdead;
    }
    kprintf("CRASH survived (should not print)\n");
    return 1;
}
