/*
 * blk-soak: a seeded loop of writes and read-backs on the first virtual disk, logging every acknowledged write,
 * so that a checker outside the guest (`xenarm soak`, docs/restart.md) can tell from the image whether any
 * acknowledged write was lost while backends, device models and xenstored were being killed.
 *
 * Lines (one per event, each printed only after the system call returned):
 *   SOAK disk sectors=<n> flags=<f> seed=<s>
 *   ACK seq=<q> sector=<s> count=<c> t=<ms>     write q (c sectors at s) returned 0 at guest time t
 *   READ ok sector=<s> count=<c> t=<ms>         a read-back held the last acknowledged write of every sector
 *   WRONG sector=<s> want=<q> got=<q'>          a read-back sector held write q' (0: zeros, -1: no stamp)
 *   ERR op=<write|read|flush|info> [seq=<q>] sector=<s> count=<c> rc=<errno>
 *   PROGRESS <ops> t=<ms> writes=<w> reads=<r>
 * (t: guest milliseconds since the loop began, taken when the call returned: the soak places each completion at
 * the time it happened, not when its line reached the log.)
 *   SOAK done ops=<n> writes=<w> reads=<r> verified=<sectors> ms=<t>
 * Each sector written is self-describing (Guests/lib/blkpattern.h): write q's sector s holds the stamp
 * (q << 32) | s in every word, mixed by the word index. Sectors of a write that failed may hold the old or the
 * new stamp: they are not verified again until a later write covering them is acknowledged.
 *
 * Command line: seed=S (default 1), ops=N (default 2000; 0: no limit), ms=T (stop after T ms of guest time;
 * default 0: no limit), reads=P (percent of read-backs, default 30), flush=F (a flush every F writes, default 16),
 * progress=K (a PROGRESS line every K operations, default 50), max=M (sectors per request, 1..64, default 64).
 * At the end a flush and a read-back of every written sector. The first ERR ends the run. Exits 0 only if no
 * WRONG and no ERR.
 */
#include "ulib.h"
#include "fmt.h"
#include "blkpattern.h"

#define SECTOR 512u
#define MAX_COUNT 64u
/* The per-sector table of acknowledged seqs bounds the disk area the soak uses: 64 Ki sectors = 32 MiB. */
#define MAX_SECTORS 65536u
#define UNCERTAIN 0xFFFFFFFFu

static uint32_t acked[MAX_SECTORS];     /* last acknowledged seq of each sector; 0 never; UNCERTAIN after an ERR */
static uint64_t buffer[MAX_COUNT * SECTOR / 8];
static uint32_t rng_state;
static uint32_t start_ms; /* t= on ACK, READ and PROGRESS lines: guest ms since the loop began */
static uint32_t wrongs, errors;

/* The same seed gives the same ranges, so a failing soak can be replayed. */
static uint32_t next_random(void) { return blkpattern_rand(&rng_state); }

/* The write a sector holds: its seq, 0 for an all-zero sector, -1 for anything else (torn, foreign, another
 * sector's stamp). */
static int64_t held_seq(const uint8_t *data, uint32_t sector)
{
    uint32_t seq, at, any = 0;
    if (blkpattern_decode(data, &seq, &at) == 0)
        return at == sector ? (int64_t)seq : -1;
    for (uint32_t k = 0; k < SECTOR; k++)
        any |= data[k];
    return any == 0 ? 0 : -1;
}

static long blk_io(uint32_t op, uint64_t sector, uint32_t count)
{
    struct guest_blk_io io = {
        .op = op, .disk = 0, .sector = sector, .buffer = (uint32_t)buffer, .bytes = count * SECTOR,
    };
    if (op == GUEST_BLK_OP_FLUSH)
        io.buffer = 0, io.bytes = 0;
    return sys_call(SYS_blk_io, (uint32_t)&io, 0, 0);
}

static void do_write(uint32_t seq, uint32_t sector, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++)
        blkpattern_fill((uint8_t *)buffer + k * SECTOR, seq, sector + k);
    long rc = blk_io(GUEST_BLK_OP_WRITE, sector, count);
    if (rc == 0) {
        for (uint32_t k = 0; k < count; k++)
            acked[sector + k] = seq;
        uprintf("ACK seq=%u sector=%u count=%u t=%u\n", (unsigned)seq, (unsigned)sector, (unsigned)count,
                (unsigned)(sys_time_ms() - start_ms));
    } else {
        for (uint32_t k = 0; k < count; k++)
            acked[sector + k] = UNCERTAIN;
        uprintf("ERR op=write seq=%u sector=%u count=%u rc=%ld\n", (unsigned)seq, (unsigned)sector,
                (unsigned)count, rc);
        errors++;
    }
}

/* Reads COUNT sectors at SECTOR and checks each against the table; returns the sectors verified. */
static uint32_t do_read(uint32_t sector, uint32_t count)
{
    long rc = blk_io(GUEST_BLK_OP_READ, sector, count);
    if (rc != 0) {
        uprintf("ERR op=read sector=%u count=%u rc=%ld\n", (unsigned)sector, (unsigned)count, rc);
        errors++;
        return 0;
    }
    uint32_t verified = 0, bad = 0;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t want = acked[sector + k];
        if (want == 0 || want == UNCERTAIN)
            continue;
        int64_t got = held_seq((const uint8_t *)buffer + k * SECTOR, sector + k);
        if (got != (int64_t)want) {
            if (bad++ < 4)
                uprintf("WRONG sector=%u want=%u got=%lld\n", (unsigned)(sector + k), (unsigned)want, (long long)got);
            wrongs++;
        } else {
            verified++;
        }
    }
    if (bad == 0)
        uprintf("READ ok sector=%u count=%u t=%u\n", (unsigned)sector, (unsigned)count,
                (unsigned)(sys_time_ms() - start_ms));
    return verified;
}

static void do_flush(void)
{
    long rc = blk_io(GUEST_BLK_OP_FLUSH, 0, 0);
    if (rc != 0) {
        uprintf("ERR op=flush sector=0 count=0 rc=%ld\n", rc);
        errors++;
    }
}

void blk_soak_main(const char *arg);
void blk_soak_main(const char *arg)
{
    uint32_t seed = fmt_arg_u32(arg, "seed", 1), ops = fmt_arg_u32(arg, "ops", 2000), ms = fmt_arg_u32(arg, "ms", 0);
    uint32_t reads_pct = fmt_arg_u32(arg, "reads", 30), flush_every = fmt_arg_u32(arg, "flush", 16);
    uint32_t progress = fmt_arg_u32(arg, "progress", 50), max = fmt_arg_u32(arg, "max", MAX_COUNT);
    if (max < 1 || max > MAX_COUNT)
        max = MAX_COUNT;
    rng_state = seed * 2654435761u + 1u;
    struct guest_blk_info info;
    long rc = sys_call(SYS_blk_info, 0, (uint32_t)&info, 0);
    if (rc != 0) {
        uprintf("ERR op=info sector=0 count=0 rc=%ld\n", rc);
        sys_exit(1);
    }
    uint32_t sectors = info.sectors > MAX_SECTORS ? MAX_SECTORS : (uint32_t)info.sectors;
    uprintf("SOAK disk sectors=%llu flags=%u seed=%u\n", (unsigned long long)info.sectors, (unsigned)info.flags,
            (unsigned)seed);
    if (sectors < max)
        max = sectors;
    uint32_t start = start_ms = sys_time_ms(), seq = 0, writes = 0, reads = 0, verified = 0, done = 0;
    /* The first error ends the run: a request that failed after the 30 s deadline means the device is gone, and
     * every further one would wait as long. */
    for (; (ops == 0 || done < ops) && (ms == 0 || sys_time_ms() - start < ms) && errors == 0; done++) {
        uint32_t count = 1 + next_random() % max;
        uint32_t sector = next_random() % (sectors - count + 1);
        if (seq > 0 && next_random() % 100 < reads_pct) {
            verified += do_read(sector, count);
            reads++;
        } else {
            do_write(++seq, sector, count);
            if (++writes % flush_every == 0 && errors == 0)
                do_flush();
        }
        if (progress && (done + 1) % progress == 0)
            uprintf("PROGRESS %u t=%u writes=%u reads=%u\n", (unsigned)(done + 1), (unsigned)(sys_time_ms() - start),
                    (unsigned)writes, (unsigned)reads);
    }
    if (errors == 0)
        do_flush();
    /* Every sector ever acknowledged, read back once more after the last flush. */
    for (uint32_t s = 0; s < sectors && errors == 0; s += MAX_COUNT) {
        uint32_t count = sectors - s < MAX_COUNT ? sectors - s : MAX_COUNT, any = 0;
        for (uint32_t k = 0; k < count && !any; k++)
            any = acked[s + k] != 0 && acked[s + k] != UNCERTAIN;
        if (any) {
            verified += do_read(s, count);
            reads++;
        }
    }
    uprintf("SOAK done ops=%u writes=%u reads=%u verified=%u ms=%u\n", (unsigned)done, (unsigned)writes,
            (unsigned)reads, (unsigned)verified, (unsigned)(sys_time_ms() - start));
    sys_exit(wrongs == 0 && errors == 0 ? 0 : 1);
}
