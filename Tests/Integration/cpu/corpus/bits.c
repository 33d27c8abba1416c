/* Bit manipulation the compiler maps to single ARMv7 instructions: struct bit fields (BFI/UBFX/SBFX/BFC),
 * __builtin_clz/ctz (CLZ, RBIT), byte swaps (REV, REV16, REVSH), rotates (ROR), sign and zero extension of
 * bytes and halfwords (SXTB/UXTH...), conditional selects (IT blocks in Thumb, conditional MOV in ARM). */
#include "../rt/rt.h"

struct packed {
    unsigned lo : 3;
    signed mid : 7;
    unsigned hi : 13;
    signed top : 9;
};

static volatile uint32_t seeds[] = {0x12345678, 0xdeadbeef, 0x80000000, 1, 0, 0xffffffff, 0x00ff00ff, 0x7ffe0001};

static uint32_t rotl(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }
static int clz(uint32_t x) { return x ? __builtin_clz(x) : 32; }
static int ctz(uint32_t x) { return x ? __builtin_ctz(x) : 32; }
static int popcount(uint32_t x) { int n = 0; while (x) { x &= x - 1; n++; } return n; }
static int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    uint32_t acc = 0;
    struct packed p = {0, 0, 0, 0};
    for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        uint32_t x = seeds[i];
        p.lo = x; p.mid = (int)(x >> 3); p.hi = x >> 10; p.top = (int)(x >> 23);
        rt_printf("x=%08x lo=%u mid=%d hi=%u top=%d clz=%d ctz=%d pop=%d\n", x, p.lo, p.mid, p.hi, p.top, clz(x), ctz(x),
                  popcount(x));
        uint16_t h = (uint16_t)x;
        int16_t sh = (int16_t)(x >> 8);
        int8_t sb = (int8_t)x;
        rt_printf("  bswap=%08x bswap16=%04x revsh=%d rotl7=%08x rotr5=%08x sb=%d sh=%d ub=%u\n", __builtin_bswap32(x),
                  __builtin_bswap16(h), (int16_t)__builtin_bswap16((uint16_t)sh), rotl(x, 7), rotl(x, 27), sb, sh,
                  (uint8_t)(x >> 16));
        int32_t s = (int32_t)x;
        rt_printf("  clamp=%d min=%d max=%u abs=%d sel=%u\n", clamp(s, -1000, 1000), s < 7 ? s : 7,
                  x > 99u ? x : 99u, s < 0 ? -s : s, (x & 1) ? x >> 1 : x << 1);
        acc = rotl(acc ^ x, 5) + (uint32_t)p.mid * 3 + p.hi;
    }
    rt_printf("acc=%08x\n", acc);
    return (int)(acc & 0x3f);
}
