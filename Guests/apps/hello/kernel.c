/* hello: two applications in virtual user mode print through the write system call, sleep and yield; the
 * kernel powers off once both have exited. */
#include "kernel.h"
#include "hypercall.h"

void hello_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
    long version = HYPERVISOR_xen_version(XENVER_version, NULL);
    uint64_t console_pfn = 0, console_port = 0, store_pfn = 0, store_port = 0;
    int rc = kernel_hvm_param(HVM_PARAM_CONSOLE_PFN, &console_pfn) | kernel_hvm_param(HVM_PARAM_CONSOLE_EVTCHN, &console_port) |
             kernel_hvm_param(HVM_PARAM_STORE_PFN, &store_pfn) | kernel_hvm_param(HVM_PARAM_STORE_EVTCHN, &store_port);
    kprintf("hello: hypervisor version %ld.%ld; console pfn=0x%llx port=%llu, xenstore pfn=0x%llx port=%llu (rc=%d)\n",
            version >> 16, version & 0xffff, console_pfn, console_port, store_pfn, store_port, rc);
    kprintf("hello: kernel up, starting applications\n");
    if (task_spawn(hello_main, "first") < 0 || task_spawn(hello_main, "second") < 0)
        return 1;
    return 0;
}

int program_after_tasks(void)
{
    kprintf("hello: all applications exited (status sum %d), timer ticks %u\n", task_exit_codes_sum,
            (unsigned)timer_ticks);
    return task_exit_codes_sum;
}
