/*
 * blk-verify's application (virtual user mode): over its part of the disk, a first pass of seeded writes of 1 to
 * maxio sectors, then per round seeded rewrites (and a discard when the backend offers it), a flush, and a read-back
 * of the whole part in seeded chunks, each sector checked against the write this task last acknowledged there.
 * Buffers start at seeded 4-byte offsets, so both of the kernel's paths (granting the task's own pages, bouncing an
 * unaligned buffer) are used. Before the work, the system calls' refusals are checked (`BLKVERIFY check ...`).
 * The first I/O error (`BLKVERIFY part=P write|read|flush|discard sector=S rc=E`) ends the task with status 1.
 */
#include "ulib.h"
#include "fmt.h"
#include "blkpattern.h"

#define MAX_TRACK 32768u
#define MAX_PARTS 4u
#define MAX_IO 2048u

/* The seq each sector must hold (0: discarded, reads back as zeros); parts are disjoint, so no locking. */
static uint32_t expected[MAX_TRACK];
/* One buffer per task: the largest request plus room for a misaligned start. */
static uint8_t buffers[MAX_PARTS][64 * 1024 * 2 + 4096] __attribute__((aligned(4096)));

struct run {
    uint32_t part, parts, disk, first, count, maxio, seq_step, next_seq, log, flags;
    uint32_t rng, writes, reads, wrong, errors, said;
    uint8_t *buffer;
    uint32_t buffer_size;
};

static uint32_t chunk(struct run *r, uint32_t at)
{
    uint32_t c = 1 + blkpattern_rand(&r->rng) % r->maxio;
    uint32_t end = r->first + r->count;
    return c < end - at ? c : end - at;
}

/* A 4-byte aligned start inside the buffer: page aligned half the time, anywhere (4-byte steps) otherwise. */
static uint8_t *place(struct run *r, uint32_t bytes)
{
    uint32_t slack = r->buffer_size - bytes;
    uint32_t offset = (blkpattern_rand(&r->rng) & 1) ? 0 : (blkpattern_rand(&r->rng) % (slack / 4 + 1)) * 4;
    return r->buffer + offset;
}

/* An I/O error ends this task's run: after one, every later request may wait out the same 30 s deadline. */
static void error(struct run *r, const char *what, uint32_t sector, long rc)
{
    uprintf("BLKVERIFY part=%u %s sector=%u rc=%ld\n", (unsigned)r->part, what, (unsigned)sector, rc);
    sys_exit(1);
}

static void write_range(struct run *r, uint32_t at, uint32_t n)
{
    uint32_t seq = r->next_seq;
    r->next_seq += r->seq_step;
    uint8_t *buf = place(r, n * BLKPATTERN_SECTOR);
    for (uint32_t i = 0; i < n; i++)
        blkpattern_fill(buf + i * BLKPATTERN_SECTOR, seq, at + i);
    long rc = sys_blk_io(GUEST_BLK_OP_WRITE, r->disk, at, buf, n * BLKPATTERN_SECTOR);
    if (rc != 0) {
        error(r, "write", at, rc);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        expected[at + i] = seq;
    r->writes++;
    if (r->log)
        uprintf("BLKW seq=%u sector=%u count=%u\n", (unsigned)seq, (unsigned)at, (unsigned)n);
}

static void verify_range(struct run *r, uint32_t at, uint32_t n)
{
    uint8_t *buf = place(r, n * BLKPATTERN_SECTOR);
    long rc = sys_blk_io(GUEST_BLK_OP_READ, r->disk, at, buf, n * BLKPATTERN_SECTOR);
    if (rc != 0) {
        error(r, "read", at, rc);
        return;
    }
    r->reads++;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = buf + i * BLKPATTERN_SECTOR;
        uint32_t want = expected[at + i], seq = 0, sector = 0;
        int ok;
        if (want == 0) {
            ok = 1;
            for (uint32_t k = 0; k < BLKPATTERN_SECTOR && ok; k++)
                ok = s[k] == 0;
        } else {
            ok = blkpattern_decode(s, &seq, &sector) == 0 && sector == at + i && seq == want;
        }
        if (!ok) {
            r->wrong++;
            if (r->said++ < 10)
                uprintf("BLKVERIFY wrong sector=%u want=%u got=%u (sector field %u)\n", (unsigned)(at + i),
                        (unsigned)want, (unsigned)seq, (unsigned)sector);
        }
    }
}

/* The kernel's refusals, each with the errno the ABI documents. */
static void check(struct run *r, const char *name, long rc, long want)
{
    uprintf("BLKVERIFY check %s rc=%ld\n", name, rc);
    if (rc != want) {
        uprintf("BLKVERIFY check %s wanted %ld\n", name, want);
        r->errors++;
    }
}

static void refusals(struct run *r, const struct guest_blk_info *info)
{
    uint8_t *buf = r->buffer;
    check(r, "kernel-buffer", sys_blk_io(GUEST_BLK_OP_READ, r->disk, 0, (void *)0x40001000u, 512), -XEN_EFAULT);
    check(r, "past-end", sys_blk_io(GUEST_BLK_OP_READ, r->disk, info->sectors, buf, 512), -XEN_EINVAL);
    check(r, "odd-length", sys_blk_io(GUEST_BLK_OP_READ, r->disk, 0, buf, 100), -XEN_EINVAL);
    check(r, "too-long", sys_blk_io(GUEST_BLK_OP_READ, r->disk, 0, buf, GUEST_BLK_MAX_BYTES + 512), -XEN_EINVAL);
    check(r, "bad-op", sys_blk_io(2, r->disk, 0, buf, 512), -XEN_EINVAL);
    check(r, "no-disk", sys_blk_io(GUEST_BLK_OP_READ, 9, 0, buf, 512), -XEN_ENODEV);
    check(r, "bad-block", sys_call(SYS_blk_io, 0x40000000u, 0, 0), -XEN_EFAULT);
    check(r, "bad-info", sys_call(SYS_blk_info, r->disk, 0x40000000u, 0), -XEN_EFAULT);
}

void blk_verify_main(const char *arg);
void blk_verify_main(const char *arg)
{
    struct run r = {0};
    r.part = fmt_arg_u32(arg, "part", 0);
    r.parts = fmt_arg_u32(arg, "parts", 1);
    r.disk = fmt_arg_u32(arg, "disk", 0);
    r.log = fmt_arg_u32(arg, "log", 1);
    r.maxio = fmt_arg_u32(arg, "maxio", 256);
    if (r.maxio < 1 || r.maxio > MAX_IO)
        r.maxio = 256;
    if (r.part >= MAX_PARTS || r.parts > MAX_PARTS || r.part >= r.parts) {
        uprintf("BLKVERIFY bad part %u of %u\n", (unsigned)r.part, (unsigned)r.parts);
        sys_exit(1);
    }
    r.buffer = buffers[r.part];
    r.buffer_size = sizeof buffers[0];
    if (r.maxio * BLKPATTERN_SECTOR + 4096 > r.buffer_size)
        r.maxio = (r.buffer_size - 4096) / BLKPATTERN_SECTOR;
    uint32_t rounds = fmt_arg_u32(arg, "rounds", 1);
    r.rng = fmt_arg_u32(arg, "seed", 1) * 2654435761u + r.part * 40503u + 1;

    struct guest_blk_info info;
    long rc = sys_blk_info(r.disk, &info);
    if (rc != 0) {
        uprintf("BLKVERIFY part=%u blk_info rc=%ld\n", (unsigned)r.part, rc);
        sys_exit(1);
    }
    uint64_t limit = info.sectors < MAX_TRACK ? info.sectors : MAX_TRACK;
    uint32_t total = fmt_arg_u32(arg, "sectors", (uint32_t)limit);
    if (total > limit)
        total = (uint32_t)limit;
    r.first = total / r.parts * r.part;
    r.count = r.part + 1 == r.parts ? total - r.first : total / r.parts;
    r.seq_step = r.parts;
    r.next_seq = 1 + r.part;
    if (r.part == 0)
        uprintf("BLKVERIFY disk=%u sectors=%llu sector-size=%u flags=%u covering=%u parts=%u\n", (unsigned)r.disk,
                (unsigned long long)info.sectors, (unsigned)info.sector_size, (unsigned)info.flags, (unsigned)total,
                (unsigned)r.parts);
    if (r.part == 0)
        refusals(&r, &info);
    if ((info.flags & GUEST_BLK_READ_ONLY) != 0) {
        /* A read-only disk: writes refused by the kernel, and every sector read must be a whole self-describing
         * sector of its own number (whatever write put it there). */
        check(&r, "read-only-write", sys_blk_io(GUEST_BLK_OP_WRITE, r.disk, r.first, r.buffer, 512), -XEN_EROFS);
        for (uint32_t at = r.first; at < r.first + r.count;) {
            uint32_t n = chunk(&r, at);
            uint8_t *buf = place(&r, n * BLKPATTERN_SECTOR);
            rc = sys_blk_io(GUEST_BLK_OP_READ, r.disk, at, buf, n * BLKPATTERN_SECTOR);
            if (rc != 0)
                error(&r, "read", at, rc);
            r.reads++;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t seq, sector;
                if (blkpattern_decode(buf + i * BLKPATTERN_SECTOR, &seq, &sector) != 0 || sector != at + i)
                    r.wrong++;
            }
            at += n;
        }
        uprintf("BLKVERIFY part=%u read-only sectors=%u..%u reads=%u wrong=%u errors=%u\n", (unsigned)r.part,
                (unsigned)r.first, (unsigned)(r.first + r.count), (unsigned)r.reads, (unsigned)r.wrong,
                (unsigned)r.errors);
        sys_exit(r.wrong + r.errors != 0);
    }

    for (uint32_t at = r.first; at < r.first + r.count;) {
        uint32_t n = chunk(&r, at);
        write_range(&r, at, n);
        at += n;
    }
    for (uint32_t round = 0; round < rounds; round++) {
        uint32_t rewrites = r.count / 64 + 1;
        for (uint32_t k = 0; k < rewrites && r.count > 0; k++) {
            uint32_t at = r.first + blkpattern_rand(&r.rng) % r.count;
            write_range(&r, at, chunk(&r, at));
        }
        if ((info.flags & GUEST_BLK_DISCARD) != 0 && r.count > 0) {
            uint32_t at = r.first + blkpattern_rand(&r.rng) % r.count;
            uint32_t n = chunk(&r, at);
            rc = sys_blk_io(GUEST_BLK_OP_DISCARD, r.disk, at, 0, n * BLKPATTERN_SECTOR);
            if (rc != 0) {
                error(&r, "discard", at, rc);
            } else {
                for (uint32_t i = 0; i < n; i++)
                    expected[at + i] = 0;
                if (r.log)
                    uprintf("BLKD sector=%u count=%u\n", (unsigned)at, (unsigned)n);
            }
        }
        rc = sys_blk_io(GUEST_BLK_OP_FLUSH, r.disk, 0, 0, 0);
        if ((info.flags & GUEST_BLK_FLUSH) != 0 ? rc != 0 : rc != -XEN_EOPNOTSUPP)
            error(&r, "flush", 0, rc);
        for (uint32_t at = r.first; at < r.first + r.count;) {
            uint32_t n = chunk(&r, at);
            verify_range(&r, at, n);
            at += n;
        }
        uprintf("BLKVERIFY part=%u round=%u writes=%u reads=%u wrong=%u errors=%u\n", (unsigned)r.part,
                (unsigned)round, (unsigned)r.writes, (unsigned)r.reads, (unsigned)r.wrong, (unsigned)r.errors);
    }
    uprintf("BLKVERIFY part=%u done sectors=%u..%u writes=%u reads=%u wrong=%u errors=%u\n", (unsigned)r.part,
            (unsigned)r.first, (unsigned)(r.first + r.count), (unsigned)r.writes, (unsigned)r.reads,
            (unsigned)r.wrong, (unsigned)r.errors);
    sys_exit(r.wrong + r.errors != 0);
}
