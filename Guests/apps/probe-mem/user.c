/* Applications that touch their kernel's memory: each must be killed by a fault delivered to the kernel. */
#include "ulib.h"
#include "fmt.h"

static uint32_t target(const char *arg)
{
    uint32_t a = 0;
    fmt_parse_u32(arg, &a);
    return a;
}

void probe_user_read(const char *arg);
void probe_user_read(const char *arg)
{
    uint32_t v = *(volatile uint32_t *)target(arg);
    uprintf("user-read-kernel: read 0x%08x (should have faulted)\n", (unsigned)v);
}

void probe_user_write(const char *arg);
void probe_user_write(const char *arg)
{
    *(volatile uint32_t *)target(arg) = 0xbadu;
    uprintf("user-write-kernel: wrote (should have faulted)\n");
}

void probe_user_exec(const char *arg);
void probe_user_exec(const char *arg)
{
    void (*fn)(void) = (void (*)(void))target(arg);
    fn();
    uprintf("user-exec-kernel: returned (should have faulted)\n");
}

/* A hypercall straight from an application (shutdown, poweroff): it must reach its kernel as an undefined
 * instruction, never the hypervisor. */
void probe_user_hypercall(const char *arg);
void probe_user_hypercall(const char *arg)
{
    static const uint32_t shutdown_poweroff = 0; /* struct sched_shutdown { reason = SHUTDOWN_poweroff } */
    register uint32_t r0 __asm__("r0") = 2;      /* SCHEDOP_shutdown */
    register uint32_t r1 __asm__("r1") = (uint32_t)&shutdown_poweroff;
    register uint32_t r12 __asm__("r12") = 29;  /* __HYPERVISOR_sched_op */
    __asm__ volatile(".arch_extension virt\n\thvc #0xea1" : "+r"(r0) : "r"(r1), "r"(r12) : "memory");
    uprintf("user-hypercall: returned %d (should have trapped to the kernel)\n", (int)r0);
}

/* System calls with bad arguments: each must be refused with its errno, the task must live on. */
void probe_user_syscalls(const char *arg);
void probe_user_syscalls(const char *arg)
{
    static const struct {
        const char *name;
        uint32_t nr, a0, a1, a2;
        long expect;
    } cases[] = {
        {"write-kernel-buffer", SYS_write, 1, 0x40000000u, 16, -14},
        {"write-past-user-window", SYS_write, 1, 0x401ffff0u, 0x100, -14},
        {"write-huge-length", SYS_write, 1, 0x40100000u, 0xffffffffu, -14},
        {"write-bad-fd", SYS_write, 7, 0x40100000u, 1, -9},
        {"unknown-syscall", 99, 0, 0, 0, -38},
    };
    int failures = 0;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long r = sys_call(cases[i].nr, cases[i].a0, cases[i].a1, cases[i].a2);
        uprintf("SYSCALL %s ret=%ld expect=%ld\n", cases[i].name, r, cases[i].expect);
        if (r != cases[i].expect)
            failures++;
    }
    sys_exit(failures);
}

/* The control: an application reads and writes its own data (a user-window variable) and exits 0x42. */
void probe_user_own(const char *arg);
void probe_user_own(const char *arg)
{
    static volatile uint32_t own = 0x11;
    own = own + 0x31;
    uprintf("CONTROL-APP user-own read 0x%08x\n", (unsigned)own);
    sys_exit(own == 0x42 ? 0x42 : 1);
}
