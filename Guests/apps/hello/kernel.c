/* hello: two applications in virtual user mode print through the write system call, sleep and yield; the
 * kernel powers off once both have exited. */
#include "kernel.h"

void hello_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
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
