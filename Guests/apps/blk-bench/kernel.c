/*
 * blk-bench: the block path's guest benchmark (docs/block.md "Guest side", docs/benchmarks.md "Block path"). The
 * kernel part connects disk 0, then runs `depth` applications (user.c) that share the work of three phases through
 * SYS_blk_io, timed on the guest clock (CNTVCT: host monotonic ns):
 *   BENCH seq-write bytes=B ns=T                       64 KiB writes over the first `mb` MiB, in order
 *   BENCH seq-read bytes=B ns=T                        64 KiB reads of the same
 *   BENCH rand-read ios=N ns=T p50_ns=X p99_ns=Y       4 KiB reads at seeded 4 KiB-aligned places in that range
 * then RESULT ok. Command line (key=value, optional): mb=M (default 4, at most the disk), ios=N (default 1000, at
 * most 4096), depth=D (applications in parallel, default 4, at most 8: up to 2 ring requests each for a 64 KiB
 * request), seed=S (default 1), disk=0, wait=S (seconds to wait for the backend, default 60).
 */
#include "kernel.h"
#include "fmt.h"

void blk_bench_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
    int n = blkfront_init();
    if (n <= 0) {
        kprintf("BENCH no disk (%d)\n", n);
        return 1;
    }
    uint32_t wait = fmt_arg_u32(cmdline, "wait", 60);
    if (blkfront_wait_connected((uint64_t)wait * 1000000000ull) != 0) {
        kprintf("BENCH backend not connected after %u s\n", (unsigned)wait);
        return 1;
    }
    uint32_t depth = fmt_arg_u32(cmdline, "depth", 4);
    if (depth < 1 || depth > 8)
        depth = 4;
    for (uint32_t i = 0; i < depth; i++) {
        char arg[128];
        fmt_format(arg, sizeof arg, "worker=%u workers=%u %s", (unsigned)i, (unsigned)depth, cmdline);
        if (task_spawn(blk_bench_main, arg) < 0)
            return 1;
    }
    return 0;
}
