#include "ulib.h"
#include "fmt.h"

void compute_main(const char *arg);
void compute_main(const char *arg)
{
    uint32_t iterations = fmt_arg_u32(arg, "iterations", 1000000);
    uint32_t report = fmt_arg_u32(arg, "report", 0);
    int spin = fmt_arg_u32(arg, "spin", 0) != 0;
    uint32_t start = sys_time_ms();
    uint32_t x = 0x12345678u, sum = 0;
    uprintf("compute: start iterations=%u spin=%d\n", (unsigned)iterations, spin);
    for (uint32_t i = 0; spin || i < iterations; i++) {
        /* xorshift32 mixed into a running checksum: cheap, and every step depends on the last. */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        sum = (sum * 31u) + (x ^ i);
        if (report != 0 && (i + 1) % report == 0)
            uprintf("PROGRESS %u t=%u\n", (unsigned)(i + 1), (unsigned)(sys_time_ms() - start));
    }
    uprintf("compute: iterations=%u checksum=0x%08x ms=%u\n", (unsigned)iterations, (unsigned)sum,
            (unsigned)(sys_time_ms() - start));
}
