#include "ulib.h"

void hello_main(const char *arg);
void hello_main(const char *arg)
{
    uprintf("Hello from application %s (pid %ld) in virtual user mode\n", arg, sys_getpid());
    uint32_t t0 = sys_time_ms();
    sys_sleep(10);
    uint32_t slept = sys_time_ms() - t0;
    sys_yield();
    uprintf("application %s (pid %ld) slept=%u done\n", arg, sys_getpid(), (unsigned)slept);
}
