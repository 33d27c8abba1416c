/*
 * blk-verify: the block path checked end to end (docs/block.md "Guest side"). The kernel part finds the disks
 * (blkfront_init), waits until disk 0 is Connected, then runs `tasks` applications (user.c) in virtual user mode,
 * each over its own part of the disk through SYS_blk_io. Command line (all optional, key=value):
 *   disk=0        the disk index
 *   sectors=N     how many sectors from sector 0 to cover (default: the whole disk, at most 32768)
 *   seed=S        the generator's seed (default 1): chunk sizes, buffer offsets, rewrites
 *   tasks=T       applications working at once on disjoint parts (default 2, at most 4)
 *   maxio=K       largest request in sectors (default 256 = 128 KiB; at most 2048 = 1 MiB)
 *   rounds=R      rewrite + verify rounds after the first pass (default 1); a longer run for restart tests
 *   log=0         do not print the BLKW/BLKD lines (the image cannot then be checked from outside)
 *   wait=S        seconds to wait for the backend to connect (default 60)
 * Output: BLKFRONT lines of the frontend, one `BLKW seq=Q sector=S count=C` line per acknowledged write (printed
 * after its system call returned 0) and `BLKD sector=S count=C` per acknowledged discard, `BLKVERIFY ...` lines,
 * `BLKFRONT stats ...`, and RESULT ok when every write, flush and read succeeded and every sector read back held the
 * write the application last acknowledged there. On a read-only disk: a write must be refused (-EROFS) and every
 * sector read must be a whole self-describing sector of its own number (`BLKVERIFY part=P read-only ...`).
 */
#include "kernel.h"
#include "fmt.h"

void blk_verify_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
    int n = blkfront_init();
    if (n <= 0) {
        kprintf("BLKVERIFY no disk (%d)\n", n);
        return 1;
    }
    uint32_t disk = fmt_arg_u32(cmdline, "disk", 0);
    uint32_t wait = fmt_arg_u32(cmdline, "wait", 60);
    if (blkfront_wait_connected((uint64_t)wait * 1000000000ull) != 0) {
        kprintf("BLKVERIFY backend not connected after %u s\n", (unsigned)wait);
        return 1;
    }
    uint32_t tasks = fmt_arg_u32(cmdline, "tasks", 2);
    if (tasks < 1 || tasks > 4)
        tasks = 2;
    for (uint32_t i = 0; i < tasks; i++) {
        char arg[128];
        fmt_format(arg, sizeof arg, "part=%u parts=%u disk=%u %s", (unsigned)i, (unsigned)tasks, (unsigned)disk,
                   cmdline);
        if (task_spawn(blk_verify_main, arg) < 0)
            return 1;
    }
    return 0;
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
