/* CPU benchmark 3: memory copy and fill: word copies (LDM/STM at -O2), byte copies, memset, memmove,
 * and a checksum pass. Usage: memcopy.elf [SCALE] */
#include "../../Tests/Integration/cpu/rt/rt.h"

enum { SIZE = 256 * 1024 };
static uint32_t src[SIZE / 4], dst[SIZE / 4];

static void copy_words(uint32_t *d, const uint32_t *s, size_t n) {
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        uint32_t a = s[0], b = s[1], c = s[2], e = s[3], f = s[4], g = s[5], h = s[6], i = s[7];
        d[0] = a; d[1] = b; d[2] = c; d[3] = e; d[4] = f; d[5] = g; d[6] = h; d[7] = i;
    }
    while (n--) *d++ = *s++;
}

static void copy_bytes(uint8_t *d, const uint8_t *s, size_t n) {
    while (n--) *d++ = *s++;
}

int main(int argc, char **argv) {
    int scale = 1;
    if (argc > 1) { scale = 0; for (const char *s = argv[1]; *s; s++) scale = scale * 10 + (*s - '0'); }
    for (size_t i = 0; i < SIZE / 4; i++) src[i] = (uint32_t)(i * 2654435761u);
    uint32_t sum = 0;
    for (int r = 0; r < scale; r++) {
        for (int k = 0; k < 4; k++) { copy_words(dst, src, SIZE / 4); src[(r * 131 + k) % (SIZE / 4)] += dst[k]; }
        copy_bytes((uint8_t *)dst + 1, (const uint8_t *)src + 3, SIZE / 2);
        memcpy(dst, src, SIZE);
        memmove((uint8_t *)dst + 5, dst, SIZE - 5);
        memset(dst, r, SIZE / 4);
        for (size_t i = 0; i < SIZE / 4; i += 1) sum = (sum << 1 | sum >> 31) ^ dst[i];
    }
    rt_printf("memcopy scale=%d sum=%08x\n", scale, sum);
    return 0;
}
