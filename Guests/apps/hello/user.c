#include "ulib.h"

void hello_main(const char *arg);
void hello_main(const char *arg)
{
    uprintf("Hello from application %s (pid %ld) in virtual user mode\n", arg, sys_getpid());
    sys_sleep(10);
    sys_yield();
    uprintf("application %s (pid %ld) done\n", arg, sys_getpid());
}
