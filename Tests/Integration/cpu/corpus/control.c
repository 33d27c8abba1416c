/* Control flow: dense switches (jump tables), sparse switches (compare trees), function pointers through
 * a table, direct and mutual recursion, loops with early exits. */
#include "../rt/rt.h"

static volatile int seed = 12345;

static int dense(int op, int x) {
    switch (op) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x ^ 0x5a5a;
    case 3: return x >> 2;
    case 4: return -x;
    case 5: return x - 17;
    case 6: return x << 3;
    case 7: return ~x;
    case 8: return x & 0xfff;
    case 9: return x | 0x100;
    case 10: return x * x;
    case 11: return x / 3;
    default: return x;
    }
}

static int sparse(int key) {
    switch (key) {
    case -1000: return 1;
    case 3: return 2;
    case 77: return 3;
    case 1024: return 4;
    case 65536: return 5;
    case 123456: return 6;
    case 0x7fffffff: return 7;
    default: return 0;
    }
}

static int op_add(int a, int b) { return a + b; }
static int op_sub(int a, int b) { return a - b; }
static int op_mul(int a, int b) { return a * b; }
static int op_min(int a, int b) { return a < b ? a : b; }
static int op_max(int a, int b) { return a > b ? a : b; }
static int (*const ops[])(int, int) = {op_add, op_sub, op_mul, op_min, op_max};

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static unsigned ackermann(unsigned m, unsigned n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}
static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned gcd(unsigned a, unsigned b) { return b == 0 ? a : gcd(b, a % b); }

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    int x = seed;
    for (int i = 0; i < 200; i++) {
        x = dense((x ^ i) % 13 < 0 ? -((x ^ i) % 13) : (x ^ i) % 13, x) & 0xffffff;
        if (i % 40 == 0) rt_printf("dense i=%d x=%d\n", i, x);
    }
    int keys[] = {-1000, 3, 4, 77, 1024, 1025, 65536, 123456, 0x7fffffff, 0};
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) rt_printf("sparse %d -> %d\n", keys[i], sparse(keys[i]));
    int acc = seed;
    for (int i = 0; i < 50; i++) acc = ops[(unsigned)(acc + i) % 5](acc, i * 7 - 100) & 0xffff;
    rt_printf("ops acc=%d\n", acc);
    rt_printf("fib(20)=%u ack(2,3)=%u ack(3,3)=%u\n", fib(20), ackermann(2, 3), ackermann(3, 3));
    rt_printf("even(101)=%d odd(101)=%d gcd=%u\n", is_even(101), is_odd(101), gcd(1071u * 97u, 462u * 97u));
    int found = -1;
    for (int i = 0; i < 1000; i++) {
        if ((i * i) % 997 == 4 && i > 2) { found = i; break; }
        if (i == 999) found = -2;
    }
    rt_printf("found=%d\n", found);
    return found == 995 ? 3 : 9;
}
