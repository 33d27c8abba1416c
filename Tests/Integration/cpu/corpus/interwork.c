/* ARM/Thumb interworking: functions compiled for the other instruction set than the rest of the program
 * (clang's target("arm") / target("thumb") attributes), called directly (BL/BLX immediate), through function
 * pointers (BLX register) and returning with BX LR / POP {PC}; recursion across the two sets. */
#include "../rt/rt.h"

#define ARM __attribute__((target("arm"), noinline))
#define THUMB __attribute__((target("thumb"), noinline))

static volatile int depth_seed = 9;

THUMB static uint32_t t_mix(uint32_t a, uint32_t b);
ARM static uint32_t a_mix(uint32_t a, uint32_t b) { return (a ^ (b << 3)) + t_mix(b, a >> 1) * 3; }
THUMB static uint32_t t_mix(uint32_t a, uint32_t b) { return (a * 2654435761u) ^ b; }

ARM static int a_down(int n);
THUMB static int t_down(int n) { return n <= 0 ? 0 : 1 + a_down(n - 1); }
ARM static int a_down(int n) { return n <= 0 ? 0 : 2 + t_down(n - 1); }

ARM static uint64_t a_wide(uint64_t x, uint32_t y) { return x * y + (x >> 7); }
THUMB static uint64_t t_wide(uint64_t x, uint32_t y) { return (x ^ y) + (x << 5); }

typedef uint64_t (*wide_fn)(uint64_t, uint32_t);

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    uint32_t h = 1;
    for (uint32_t i = 0; i < 100; i++) h = a_mix(h, i) + t_mix(i, h);
    int d = a_down(depth_seed * 11) + t_down(depth_seed * 7);
    wide_fn table[] = {a_wide, t_wide, a_wide, t_wide};
    uint64_t w = 0x0123456789abcdefull;
    for (unsigned i = 0; i < 40; i++) w = table[(i + (uint32_t)w) & 3](w, i * 77u + 1);
    rt_printf("h=%08x depth=%d w=%016llx\n", h, d, (unsigned long long)w);
    return (int)(h & 0x3f);
}
