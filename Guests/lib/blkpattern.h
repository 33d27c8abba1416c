/*
 * The self-describing sector of the block path (contract "Guest programs", docs/block.md "Guest side"): every
 * 512-byte sector a test program writes holds 64 little-endian u64 words, word j = stamp ^ (j * 0x9E3779B97F4A7C15)
 * with stamp = (seq << 32) | (sector & 0xffffffff), seq being the write's sequence number (from 1). Word 0 is the
 * stamp itself, so a checker outside the guest decodes which write a sector holds from the image alone, and
 * every other word proves the sector is whole.
 *
 * Header-only so the kernel, the applications (user window) and the library test link the same code. Buffers need
 * only 4-byte alignment: words are accessed as two 32-bit halves, low first (little endian).
 */
#ifndef GUEST_BLKPATTERN_H
#define GUEST_BLKPATTERN_H

#include <stdint.h>

#define BLKPATTERN_SECTOR 512u
#define BLKPATTERN_WORDS 64u
#define BLKPATTERN_GOLDEN 0x9E3779B97F4A7C15ull

static inline uint64_t blkpattern_stamp(uint32_t seq, uint64_t sector)
{
    return ((uint64_t)seq << 32) | (uint32_t)sector;
}

/* Fills one sector at BUF for write SEQ of SECTOR. */
static inline void blkpattern_fill(void *buf, uint32_t seq, uint64_t sector)
{
    uint32_t *w = (uint32_t *)buf;
    uint64_t stamp = blkpattern_stamp(seq, sector), mix = 0;
    for (uint32_t j = 0; j < BLKPATTERN_WORDS; j++) {
        uint64_t v = stamp ^ mix;
        w[2 * j] = (uint32_t)v;
        w[2 * j + 1] = (uint32_t)(v >> 32);
        mix += BLKPATTERN_GOLDEN;
    }
}

/* Decodes the sector at BUF: 0 with its seq and sector number (low 32 bits) when all 64 words agree with word 0,
 * -1 when the sector is not one whole self-describing sector (torn, zero, foreign). */
static inline int blkpattern_decode(const void *buf, uint32_t *seq, uint32_t *sector)
{
    const uint32_t *w = (const uint32_t *)buf;
    uint64_t stamp = (uint64_t)w[0] | ((uint64_t)w[1] << 32), mix = 0;
    for (uint32_t j = 0; j < BLKPATTERN_WORDS; j++) {
        uint64_t v = stamp ^ mix;
        if (w[2 * j] != (uint32_t)v || w[2 * j + 1] != (uint32_t)(v >> 32))
            return -1;
        mix += BLKPATTERN_GOLDEN;
    }
    *seq = (uint32_t)(stamp >> 32);
    *sector = (uint32_t)stamp;
    return 0;
}

/* The programs' seeded generator (xorshift32; a zero seed is replaced so the sequence never sticks at 0). */
static inline uint32_t blkpattern_rand(uint32_t *state)
{
    uint32_t x = *state != 0 ? *state : 0x6d2b79f5u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
