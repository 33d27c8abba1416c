/*
 * blk-bench's workers (virtual user mode). All workers meet at a barrier before each phase; the last to arrive
 * starts the clock, the last to finish stops it and prints the phase's line. Work items (a 64 KiB chunk, or one
 * random 4 KiB read) are taken from a shared counter, so `depth` requests are in the kernel at once.
 */
#include "ulib.h"
#include "fmt.h"
#include "blkpattern.h"

#define MAX_WORKERS 8
#define MAX_IOS 4096
#define CHUNK (64u * 1024u)

static uint8_t buffers[MAX_WORKERS][CHUNK] __attribute__((aligned(4096)));
static uint32_t latency[MAX_IOS];
static uint32_t places[MAX_IOS];
static volatile uint32_t arrived, generation, finished, next_item, failures;
static volatile uint64_t phase_start;

/* Everyone waits here; the last one resets the phase's counters and starts its clock. */
static void barrier(uint32_t workers)
{
    uint32_t g = generation;
    if (__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST) == workers) {
        arrived = 0;
        finished = 0;
        next_item = 0;
        phase_start = time_ns();
        __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
        return;
    }
    while (generation == g)
        sys_sleep(1); /* not sys_yield: a spinning vCPU would take the host core the backend needs */
}

/* Returns the phase's duration to the last worker to finish, 0 to the others. */
static uint64_t finish(uint32_t workers)
{
    if (__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST) == workers)
        return time_ns() - phase_start;
    return 0;
}

static void sort(uint32_t *v, uint32_t n)
{
    /* Shell sort: a few thousand values, no recursion on the small user stack. */
    for (uint32_t gap = n / 2; gap > 0; gap /= 2)
        for (uint32_t i = gap; i < n; i++) {
            uint32_t x = v[i], j = i;
            for (; j >= gap && v[j - gap] > x; j -= gap)
                v[j] = v[j - gap];
            v[j] = x;
        }
}

static void sequential(uint32_t op, const char *name, uint32_t disk, uint32_t chunks, uint8_t *buf, uint32_t workers)
{
    barrier(workers);
    for (;;) {
        uint32_t k = __atomic_fetch_add(&next_item, 1, __ATOMIC_SEQ_CST);
        if (k >= chunks)
            break;
        long rc = sys_blk_io(op, disk, (uint64_t)k * (CHUNK / 512), buf, CHUNK);
        if (rc != 0) {
            uprintf("BENCH %s chunk=%u rc=%ld\n", name, (unsigned)k, rc);
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        }
    }
    uint64_t ns = finish(workers);
    if (ns != 0)
        uprintf("BENCH %s bytes=%llu ns=%llu\n", name, (unsigned long long)chunks * CHUNK, (unsigned long long)ns);
}

void blk_bench_main(const char *arg);
void blk_bench_main(const char *arg)
{
    uint32_t me = fmt_arg_u32(arg, "worker", 0), workers = fmt_arg_u32(arg, "workers", 1);
    uint32_t disk = fmt_arg_u32(arg, "disk", 0), mb = fmt_arg_u32(arg, "mb", 4), ios = fmt_arg_u32(arg, "ios", 1000);
    if (ios < 1 || ios > MAX_IOS)
        ios = 1000;
    struct guest_blk_info info;
    long rc = sys_blk_info(disk, &info);
    if (rc != 0) {
        uprintf("BENCH blk_info rc=%ld\n", rc);
        sys_exit(1);
    }
    uint64_t chunks64 = (uint64_t)mb * (1024 * 1024 / CHUNK);
    if (chunks64 * (CHUNK / 512) > info.sectors)
        chunks64 = info.sectors / (CHUNK / 512);
    uint32_t chunks = (uint32_t)chunks64;
    uint8_t *buf = buffers[me];
    for (uint32_t i = 0; i < CHUNK / 512; i++)
        blkpattern_fill(buf + i * 512, me + 1, i);
    if (me == 0) {
        uint32_t rng = fmt_arg_u32(arg, "seed", 1) * 2654435761u + 7;
        uint32_t pages = chunks * (CHUNK / 4096);
        for (uint32_t i = 0; i < ios; i++)
            places[i] = pages != 0 ? blkpattern_rand(&rng) % pages : 0;
        uprintf("BENCH setup disk=%u sectors=%llu range=%u chunks ios=%u depth=%u\n", (unsigned)disk,
                (unsigned long long)info.sectors, (unsigned)chunks, (unsigned)ios, (unsigned)workers);
    }
    sequential(GUEST_BLK_OP_WRITE, "seq-write", disk, chunks, buf, workers);
    sequential(GUEST_BLK_OP_READ, "seq-read", disk, chunks, buf, workers);

    barrier(workers);
    for (;;) {
        uint32_t k = __atomic_fetch_add(&next_item, 1, __ATOMIC_SEQ_CST);
        if (k >= ios)
            break;
        uint64_t t0 = time_ns();
        rc = sys_blk_io(GUEST_BLK_OP_READ, disk, (uint64_t)places[k] * 8, buf, 4096);
        latency[k] = (uint32_t)(time_ns() - t0);
        if (rc != 0) {
            uprintf("BENCH rand-read page=%u rc=%ld\n", (unsigned)places[k], rc);
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        }
    }
    uint64_t ns = finish(workers);
    if (ns != 0) {
        sort(latency, ios);
        uprintf("BENCH rand-read ios=%u ns=%llu p50_ns=%u p99_ns=%u\n", (unsigned)ios, (unsigned long long)ns,
                (unsigned)latency[ios / 2], (unsigned)latency[(ios * 99) / 100 < ios ? (ios * 99) / 100 : ios - 1]);
    }
    sys_exit(failures != 0);
}
