/*
 * The smallest guest: no vectors, no events, no page tables. It prints one line per console_io write and
 * powers off. It is the first thing a hypervisor must boot, and stays as its smoke test (hello-min.elf).
 */
#include "../kernel/hypercall.h"

static uint32_t length(const char *s)
{
    uint32_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

static void print(const char *s)
{
    HYPERVISOR_console_io(CONSOLEIO_write, (int)length(s), s);
}

static void print_hex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xf];
    buf[10] = '\0';
    print(buf);
}

void kernel_boot(uint32_t domid, uint32_t ram_size, const char *cmdline) __attribute__((noreturn));

void kernel_boot(uint32_t domid, uint32_t ram_size, const char *cmdline)
{
    print("hello from xenarm guest (minimal) domid=");
    print_hex(domid);
    print(" ram=");
    print_hex(ram_size);
    print("\n");
    if (cmdline != 0 && cmdline[0] != '\0') {
        print("cmdline: ");
        print(cmdline);
        print("\n");
    }
    print("RESULT ok\n");
    struct sched_shutdown shutdown = {.reason = SHUTDOWN_poweroff};
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &shutdown);
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}
