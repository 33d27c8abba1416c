/* Sorting: quicksort (recursion, signed compares), heapsort (index arithmetic), merge sort (memcpy, a
 * scratch buffer), insertion sort on unsigned shorts, qsort-style comparator callbacks. */
#include "../rt/rt.h"

#define N 600

static uint32_t lcg_state = 2463534242u;
static uint32_t lcg(void) { lcg_state = lcg_state * 1664525u + 1013904223u; return lcg_state; }

static void quicksort(int32_t *a, int lo, int hi) {
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
}

static void sift(uint32_t *a, unsigned start, unsigned end) {
    unsigned root = start;
    while (2 * root + 1 <= end) {
        unsigned child = 2 * root + 1, sw = root;
        if (a[sw] < a[child]) sw = child;
        if (child + 1 <= end && a[sw] < a[child + 1]) sw = child + 1;
        if (sw == root) return;
        uint32_t t = a[root]; a[root] = a[sw]; a[sw] = t;
        root = sw;
    }
}

static void heapsort(uint32_t *a, unsigned n) {
    for (int start = (int)(n - 2) / 2; start >= 0; start--) sift(a, (unsigned)start, n - 1);
    for (unsigned end = n - 1; end > 0; end--) {
        uint32_t t = a[end]; a[end] = a[0]; a[0] = t;
        sift(a, 0, end - 1);
    }
}

typedef int (*cmp_fn)(const void *, const void *);

static void merge_sort(int64_t *a, int64_t *tmp, unsigned n, cmp_fn cmp) {
    if (n < 2) return;
    unsigned m = n / 2;
    merge_sort(a, tmp, m, cmp);
    merge_sort(a + m, tmp, n - m, cmp);
    unsigned i = 0, j = m, k = 0;
    while (i < m && j < n) tmp[k++] = cmp(&a[i], &a[j]) <= 0 ? a[i++] : a[j++];
    while (i < m) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static int cmp_i64_desc(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? 1 : a > b ? -1 : 0;
}

static void insertion(uint16_t *a, unsigned n) {
    for (unsigned i = 1; i < n; i++) {
        uint16_t v = a[i];
        unsigned j = i;
        while (j > 0 && a[j - 1] > v) { a[j] = a[j - 1]; j--; }
        a[j] = v;
    }
}

static int32_t A[N];
static uint32_t B[N];
static int64_t C[N], T[N];
static uint16_t D[N];

int main(int argc, char **argv) {
    (void)argv;
    lcg_state += (uint32_t)argc;
    for (int i = 0; i < N; i++) {
        A[i] = (int32_t)lcg();
        B[i] = lcg() >> (i & 7);
        C[i] = (int64_t)(((uint64_t)lcg() << 32) | lcg()) >> (i & 15);
        D[i] = (uint16_t)lcg();
    }
    quicksort(A, 0, N - 1);
    heapsort(B, N);
    merge_sort(C, T, N, cmp_i64_desc);
    insertion(D, N);
    int bad = 0;
    for (int i = 1; i < N; i++) {
        bad += A[i - 1] > A[i];
        bad += B[i - 1] > B[i];
        bad += C[i - 1] < C[i];
        bad += D[i - 1] > D[i];
    }
    for (int i = 0; i < N; i += 97)
        rt_printf("%3d: %11d %10u %20lld %5u\n", i, A[i], B[i], (long long)C[i], D[i]);
    rt_printf("min=%d max=%d bad=%d\n", A[0], A[N - 1], bad);
    return bad;
}
