/*
 * blk-soak: the verifying workload of the restart soak (docs/restart.md). The work runs in virtual user mode
 * (user.c) through SYS_blk_io; the kernel part only starts it and reports its status.
 */
#include "kernel.h"

void blk_soak_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
    return task_spawn(blk_soak_main, cmdline) < 0 ? 1 : 0;
}

int program_after_tasks(void)
{
    return task_exit_codes_sum;
}
