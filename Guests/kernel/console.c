#include <stdarg.h>
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

/* Every byte the kernel or an application prints goes through here: when the console ring arrives, only this
 * function changes. */
void console_write(const char *s, size_t len)
{
    if (console_ring_write(s, len) == 0)
        return;
    while (len > 0) {
        long n = HYPERVISOR_console_io(CONSOLEIO_write, (int)len, s);
        if (n < 0)
            return; /* nothing else to report it on */
        if (n == 0)
            n = (long)len; /* Xen's console_io write answers 0 for "all written" */
        s += n;
        len -= (size_t)n;
    }
}

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void panic(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    fmt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("PANIC %s\nRESULT fail panic\n", buf);
    kernel_poweroff(1);
}
