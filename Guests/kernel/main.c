/* Boot: set up traps, events, time and page tables, then run the program linked with the kernel. */
#include "kernel.h"
#include "hypercall.h"

uint32_t kernel_domid;
uint32_t kernel_ram_size;

/* The kernel stack the hypervisor switches to when a trap arrives from virtual user mode. */
static uint8_t kernel_stack[16384] ALIGNED(8);

void kernel_poweroff(int crashed)
{
    struct sched_shutdown s = {.reason = crashed ? SHUTDOWN_crash : SHUTDOWN_poweroff};
    console_ring_flush(2000000000ull); /* the backend takes the last lines before the domain goes */
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

int kernel_hvm_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);
    if (rc == 0)
        *value = p.value;
    return (int)rc;
}

__attribute__((weak)) int program_after_tasks(void)
{
    return task_exit_codes_sum;
}

void NORETURN kernel_boot(uint32_t domid, uint32_t ram_size, const char *cmdline);
void kernel_boot(uint32_t domid, uint32_t ram_size, const char *cmdline)
{
    extern char __image_end[];
    kernel_domid = domid;
    kernel_ram_size = ram_size;
    if ((uint32_t)__image_end - GUEST_RAM_BASE > ram_size)
        panic("RAM of %u KiB is too small for this image (needs %u KiB)", (unsigned)(ram_size >> 10),
              (unsigned)(((uint32_t)__image_end - GUEST_RAM_BASE) >> 10));
    kprintf("xenarm-minios: domid=%u ram=%uKiB cmdline=\"%s\"\n", (unsigned)domid, (unsigned)(ram_size >> 10), cmdline);

    long rc = HYPERVISOR_arch_pv(XENARM_PV_set_vectors, (uint32_t)&trap_vectors,
                                 (uint32_t)&kernel_stack[sizeof kernel_stack]);
    if (rc != 0)
        panic("set_vectors = %ld", rc);
    mm_init(); /* the table is built first: shared_info and grant frames get entries in it */
    events_init();
    time_init();
    console_ring_init();
    rc = mm_install();
    if (rc != 0)
        panic("set_ttbr = %ld", rc);
    upcalls_unmask();

    int status = program_main(cmdline);
    if (status == 0)
        task_run_all(); /* returns only through all_done when there is nothing to run */
    kprintf("RESULT fail status=%d\n", status);
    kernel_poweroff(0);
}
