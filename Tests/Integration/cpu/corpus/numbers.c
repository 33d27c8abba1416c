/* Printing numbers: decimal, hex, octal, signed extremes, widths and padding; a bignum factorial (arrays of
 * base-10^9 limbs, 64-bit multiply and divide), primes by sieve, integer square roots, collatz. Exits 42. */
#include "../rt/rt.h"

static uint32_t isqrt(uint32_t n) {
    uint32_t r = 0, bit = 1u << 30;
    while (bit > n) bit >>= 2;
    while (bit) {
        if (n >= r + bit) { n -= r + bit; r = (r >> 1) + bit; }
        else r >>= 1;
        bit >>= 2;
    }
    return r;
}

static volatile int fact_n = 60;

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    rt_printf("%d %d %d %u %x %X %o\n", 0, INT32_MIN, INT32_MAX, UINT32_MAX, 0xabcdefu, 0xabcdefu, 0755u);
    rt_printf("%lld %lld %llu %llx\n", (long long)INT64_MIN, (long long)INT64_MAX, (unsigned long long)UINT64_MAX,
              0x0123456789abcdefull);
    rt_printf("[%8d] [%-8d] [%08d] [%+d] [% d] [%*d] [%%] [%c%c]\n", 123, 123, -123, 5, 5, 6, 42, 'o', 'k');
    uint32_t limbs[40] = {1};
    int nl = 1;
    for (int k = 2; k <= fact_n; k++) {
        uint64_t carry = 0;
        for (int i = 0; i < nl; i++) {
            uint64_t v = (uint64_t)limbs[i] * (uint64_t)k + carry;
            limbs[i] = (uint32_t)(v % 1000000000u);
            carry = v / 1000000000u;
        }
        while (carry) { limbs[nl++] = (uint32_t)(carry % 1000000000u); carry /= 1000000000u; }
    }
    rt_printf("%d! = %u", fact_n, limbs[nl - 1]);
    for (int i = nl - 2; i >= 0; i--) rt_printf("%09u", limbs[i]);
    rt_printf("\n");
    static uint8_t composite[20000];
    int count = 0, last = 0;
    for (int i = 2; i < 20000; i++) {
        if (composite[i]) continue;
        count++; last = i;
        for (int j = i * 2; j < 20000; j += i) composite[j] = 1;
    }
    rt_printf("primes<20000: %d, last %d\n", count, last);
    uint32_t sq = 0;
    for (uint32_t n = 0; n < 100000; n += 37) sq += isqrt(n * 997u);
    rt_printf("isqrt sum %u, isqrt(max)=%u\n", sq, isqrt(0xffffffffu));
    unsigned longest = 0, at = 0;
    for (unsigned n = 1; n < 3000; n++) {
        uint64_t x = n;
        unsigned steps = 0;
        while (x != 1) { x = (x & 1) ? 3 * x + 1 : x >> 1; steps++; }
        if (steps > longest) { longest = steps; at = n; }
    }
    rt_printf("collatz longest %u at %u\n", longest, at);
    return 42;
}
