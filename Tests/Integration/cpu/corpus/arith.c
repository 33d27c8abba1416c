/* Integer arithmetic the compiler lowers to the core ISA: 32- and 64-bit add/sub/mul, division and remainder
 * (through the AEABI helpers), shifts by constant and by variable amounts, bit operations, signed and unsigned
 * compares. Inputs come from a volatile table so -O2 cannot fold the results away. */
#include "../rt/rt.h"

static volatile uint32_t inputs[] = {
    0, 1, 2, 3, 7, 31, 32, 33, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef, 0xcafef00d,
    1000000007, 65521, 0x55555555, 0xaaaaaaaa,
};
#define N (sizeof inputs / sizeof inputs[0])

static uint32_t mix32(uint32_t h, uint32_t v) { return (h ^ v) * 0x01000193u; }
static uint64_t mix64(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

int main(int argc, char **argv) {
    (void)argv;
    uint32_t h = 0x811c9dc5u + (uint32_t)argc - 1;
    uint64_t h64 = 0xcbf29ce484222325ull;
    int lines = 0;
    for (unsigned i = 0; i < N; i++) {
        for (unsigned j = 0; j < N; j++) {
            uint32_t a = inputs[i], b = inputs[j];
            int32_t sa = (int32_t)a, sb = (int32_t)b;
            h = mix32(h, a + b); h = mix32(h, a - b); h = mix32(h, a * b);
            h = mix32(h, a & b); h = mix32(h, a | b); h = mix32(h, a ^ ~b);
            h = mix32(h, a << (b & 31)); h = mix32(h, a >> (b & 31)); h = mix32(h, (uint32_t)(sa >> (b & 31)));
            h = mix32(h, (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)));
            h = mix32(h, (a < b) | (sa < sb) << 1 | (a <= b) << 2 | (sa >= sb) << 3 | (a == b) << 4 | (sa > sb) << 5);
            if (b != 0) {
                h = mix32(h, a / b); h = mix32(h, a % b);
                if (!(sa == INT32_MIN && sb == -1)) { h = mix32(h, (uint32_t)(sa / sb)); h = mix32(h, (uint32_t)(sa % sb)); }
            }
            uint64_t A = ((uint64_t)a << 32) | b, B = ((uint64_t)b << 17) ^ a;
            int64_t SA = (int64_t)A, SB = (int64_t)B;
            h64 = mix64(h64, A + B); h64 = mix64(h64, A - B); h64 = mix64(h64, A * B);
            h64 = mix64(h64, (uint64_t)a * b); h64 = mix64(h64, (uint64_t)((int64_t)sa * sb));
            h64 = mix64(h64, A << (b & 63)); h64 = mix64(h64, A >> (a & 63)); h64 = mix64(h64, (uint64_t)(SA >> (b & 63)));
            h64 = mix64(h64, (A < B) | (SA < SB) << 1 | (A >= B) << 2);
            if (B != 0) {
                h64 = mix64(h64, A / B); h64 = mix64(h64, A % B);
                if (!(SA == INT64_MIN && SB == -1)) { h64 = mix64(h64, (uint64_t)(SA / SB)); h64 = mix64(h64, (uint64_t)(SA % SB)); }
            }
        }
        rt_printf("row %2u a=%08x h=%08x h64=%016llx\n", i, inputs[i], h, (unsigned long long)h64);
        lines++;
    }
    /* Division by powers of two and by constants: the compiler uses multiply-high and shift tricks. */
    int32_t acc = 0;
    for (int32_t v = -100000; v <= 100000; v += 777) {
        acc += v / 7 + v % 7 + v / 16 + v % 16 + v / 1000 + (int32_t)((uint32_t)v / 10u) + v * 3 / 5;
    }
    rt_printf("const-div acc=%d\n", acc);
    rt_printf("final %08x %016llx lines=%d\n", h, (unsigned long long)h64, lines);
    return (int)(h & 0x7f);
}
