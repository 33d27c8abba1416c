/* Checksums over a generated buffer: table-driven and bitwise CRC-32, Adler-32, FNV-1a, a 64-bit
 * xorshift. Byte loads, shifts, table lookups, tight loops. */
#include "../rt/rt.h"

static uint32_t table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc32_table(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    while (n--) c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t adler32(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    while (n--) { a = (a + *p++) % 65521; b = (b + a) % 65521; }
    return (b << 16) | a;
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
    uint32_t h = 0x811c9dc5u;
    while (n--) { h ^= *p++; h *= 16777619u; }
    return h;
}

static uint64_t xorshift64(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return *s = x;
}

static uint8_t buf[4096];

int main(int argc, char **argv) {
    (void)argv;
    uint64_t s = 0x9e3779b97f4a7c15ull + (uint64_t)argc;
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(xorshift64(&s) >> 29);
    crc_init();
    rt_printf("crc32(\"123456789\")=%08x\n", crc32_table((const uint8_t *)"123456789", 9));
    uint32_t all = 0;
    for (size_t len = 0; len <= sizeof buf; len = len * 2 + 1) {
        uint32_t a = crc32_table(buf, len), b = crc32_bitwise(buf, len);
        uint32_t c = adler32(buf, len), d = fnv1a(buf, len);
        rt_printf("len=%4u crc=%08x %s adler=%08x fnv=%08x\n", (unsigned)len, a, a == b ? "ok" : "MISMATCH", c, d);
        all ^= a ^ c ^ d;
    }
    rt_printf("all=%08x s=%016llx\n", all, (unsigned long long)s);
    return (int)(all >> 25);
}
