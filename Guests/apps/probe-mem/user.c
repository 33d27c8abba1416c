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
