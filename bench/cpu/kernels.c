/* CPU benchmark 1: CRC-32 over a buffer, sorting, matrix multiply: loads, stores, shifts, multiplies, compares.
 * Usage: kernels.elf [SCALE] (default 1); prints checksums so every emulator's run can be checked. */
#include "../../Tests/Integration/cpu/rt/rt.h"

static uint32_t crc_table[256];
static uint8_t data[64 * 1024];
static int32_t keys[20000];
enum { M = 48 };
static int32_t A[M][M], B[M][M], C[M][M];

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void) { rng_state ^= rng_state << 13; rng_state ^= rng_state >> 17; rng_state ^= rng_state << 5; return rng_state; }

static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

static void shell_sort(int32_t *a, int n) {
    static const int gaps[] = {1750, 701, 301, 132, 57, 23, 10, 4, 1};
    for (unsigned g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        int gap = gaps[g];
        for (int i = gap; i < n; i++) {
            int32_t v = a[i];
            int j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap) a[j] = a[j - gap];
            a[j] = v;
        }
    }
}

static void quick_sort(int32_t *a, int lo, int hi) {
    while (lo < hi) {
        int32_t p = a[(lo + hi) >> 1];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { int32_t t = a[i]; a[i++] = a[j]; a[j--] = t; }
        }
        if (j - lo < hi - i) { quick_sort(a, lo, j); lo = i; } else { quick_sort(a, i, hi); hi = j; }
    }
}

static void matmul(void) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            int32_t s = 0;
            for (int k = 0; k < M; k++) s += A[i][k] * B[k][j];
            C[i][j] = s;
        }
}

int main(int argc, char **argv) {
    int scale = 1;
    if (argc > 1) { scale = 0; for (const char *s = argv[1]; *s; s++) scale = scale * 10 + (*s - '0'); }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    uint32_t crc = 0, sorted = 0, mat = 0;
    for (int round = 0; round < scale; round++) {
        for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)rng();
        for (int r = 0; r < 6; r++) crc = crc * 31 + crc32(data, sizeof data);
        int n = (int)(sizeof keys / sizeof keys[0]);
        for (int i = 0; i < n; i++) keys[i] = (int32_t)rng();
        shell_sort(keys, n);
        for (int i = 0; i < n; i++) keys[i] ^= (int32_t)rng();
        quick_sort(keys, 0, n - 1);
        for (int i = 1; i < n; i++) sorted += keys[i - 1] <= keys[i];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) { A[i][j] = (int32_t)(rng() & 0xff) - 128; B[i][j] = (int32_t)(rng() & 0xff) - 128; }
        for (int r = 0; r < 3; r++) { matmul(); for (int i = 0; i < M; i++) mat += (uint32_t)C[i][(i * 7) % M]; }
    }
    rt_printf("kernels scale=%d crc=%08x sorted=%u mat=%08x\n", scale, crc, sorted, mat);
    return 0;
}
