/*
 * blk-soak: the verifying workload of the restart soak (docs/restart.md). The kernel part finds the disks
 * (blkfront_init), waits until they are Connected (wait=S seconds, default 60), then runs the work in virtual user
 * mode (user.c) through SYS_blk_io; at the end it prints blkfront's counters (connections, re-issued requests,
 * timeouts), which say how many backend restarts the guest went through.
 */
#include "kernel.h"
#include "fmt.h"

void blk_soak_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
    int n = blkfront_init();
    if (n <= 0) {
        kprintf("ERR op=init sector=0 count=0 rc=%d\n", n);
        return 1;
    }
    char value[24];
    uint32_t wait = 60;
    if (fmt_arg(cmdline, "wait", value, sizeof value) == 0)
        fmt_parse_u32(value, &wait);
    if (blkfront_wait_connected((uint64_t)wait * 1000000000ull) != 0) {
        kprintf("ERR op=connect sector=0 count=0 rc=%d\n", -ETIMEDOUT);
        return 1;
    }
    return task_spawn(blk_soak_main, cmdline) < 0 ? 1 : 0;
}

int program_after_tasks(void)
{
    for (int i = 0; i < blkfront_disk_count(); i++) {
        struct blkfront_stats s;
        blkfront_stats((uint32_t)i, &s);
        kprintf("BLKFRONT stats disk=%d connections=%u requests=%u responses=%u reissued=%u timeouts=%u "
                "bad-ids=%u bad-indices=%u\n", i, (unsigned)s.connections, (unsigned)s.requests,
                (unsigned)s.responses, (unsigned)s.reissued, (unsigned)s.timeouts, (unsigned)s.bad_ids,
                (unsigned)s.bad_indices);
    }
    return task_exit_codes_sum;
}
