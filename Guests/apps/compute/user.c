#include "ulib.h"
#include "fmt.h"

static uint32_t arg_u32(const char *line, const char *key, uint32_t fallback)
{
    char value[24];
    uint32_t v;
    if (fmt_arg(line, key, value, sizeof value) != 0 || fmt_parse_u32(value, &v) != 0)
        return fallback;
    return v;
}

void compute_main(const char *arg);
void compute_main(const char *arg)
{
    uint32_t iterations = arg_u32(arg, "iterations", 1000000);
    uint32_t report = arg_u32(arg, "report", 0);
    int spin = arg_u32(arg, "spin", 0) != 0;
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
