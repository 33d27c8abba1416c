/*
 * The guest library's pure parts (lib/fmt.c, lib/string.c) run as an ARM Linux user program under qemu-arm:
 * the same object code the guests link, with a three-function Linux shim instead of the kernel. Prints one
 * "ok <name>" or "FAIL <name>: got <...> want <...>" line per check and exits with the failure count.
 */
#include <stdint.h>
#include "fmt.h"
#include "string.h"
#include "blkpattern.h"

static long linux_call(long nr, long a, long b, long c)
{
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    register long r7 __asm__("r7") = nr;
    __asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
    return r0;
}

static void out(const char *s) { linux_call(4 /* write */, 1, (long)s, (long)strlen(s)); }
static int failures;

static void expect_str(const char *name, const char *got, const char *want)
{
    char line[300];
    if (strcmp(got, want) == 0) {
        fmt_format(line, sizeof line, "ok %s\n", name);
    } else {
        fmt_format(line, sizeof line, "FAIL %s: got \"%s\" want \"%s\"\n", name, got, want);
        failures++;
    }
    out(line);
}

static void expect_int(const char *name, long long got, long long want)
{
    char g[32], w[32];
    fmt_format(g, sizeof g, "%lld", got);
    fmt_format(w, sizeof w, "%lld", want);
    expect_str(name, g, w);
}

static void test_format(void)
{
    char b[64];
    fmt_format(b, sizeof b, "%d %u %x %X", -42, 42u, 0xbeefu, 0xbeefu);
    expect_str("format-ints", b, "-42 42 beef BEEF");
    fmt_format(b, sizeof b, "[%08x] [%5d] [%05d] [%3d]", 0x1234u, 42, -42, -5);
    expect_str("format-width", b, "[00001234] [   42] [-0042] [ -5]");
    fmt_format(b, sizeof b, "%lld %llu %llx", -9000000000ll, 18446744073709551615ull, 0x123456789abcull);
    expect_str("format-64", b, "-9000000000 18446744073709551615 123456789abc");
    fmt_format(b, sizeof b, "%s|%5s|%c|%%|%p", "abc", "xy", 'Z', (void *)0x40001000);
    expect_str("format-misc", b, "abc|   xy|Z|%|0x40001000");
    fmt_format(b, sizeof b, "%s", (const char *)0);
    expect_str("format-null-string", b, "(null)");
    fmt_format(b, sizeof b, "%d", (int)0x80000000u);
    expect_str("format-int-min", b, "-2147483648");
    int n = fmt_format(b, 8, "%s", "0123456789");
    expect_str("format-truncates", b, "0123456");
    expect_int("format-returns-full-length", n, 10);
    n = fmt_format(b, 0, "abc");
    expect_int("format-size-zero", n, 3);
    const char *trailing = "tail%"; /* not a literal: the compiler's format check would refuse it */
    fmt_format(b, sizeof b, trailing, 0);
    expect_str("format-trailing-percent", b, "tail");
}

static void test_div(void)
{
    uint32_t r;
    uint64_t q = fmt_udiv64(10000000000ull, 1000000000u, &r);
    expect_int("udiv64-quotient", (long long)q, 10);
    expect_int("udiv64-remainder", r, 0);
    q = fmt_udiv64(0xffffffffffffffffull, 7u, &r);
    expect_int("udiv64-max-quotient", (long long)q, (long long)2635249153387078802ull);
    expect_int("udiv64-max-remainder", r, 1);
}

static void test_args(void)
{
    char v[16];
    uint32_t u = 0;
    expect_int("arg-found", fmt_arg("role=offer remote=3 wait=500", "remote", v, sizeof v), 0);
    expect_str("arg-value", v, "3");
    expect_int("arg-prefix-not-matched", fmt_arg("xremote=3", "remote", v, sizeof v), -1);
    expect_int("arg-missing", fmt_arg("a=1", "b", v, sizeof v), -1);
    expect_int("arg-too-long", fmt_arg("k=0123456789abcdefXYZ", "k", v, sizeof v), -1);
    expect_int("word-present", fmt_has_word("raw pte", "pte"), 1);
    expect_int("word-prefix-absent", fmt_has_word("rawx", "raw"), 0);
    expect_int("parse-dec", fmt_parse_u32("4096", &u), 0);
    expect_int("parse-dec-value", u, 4096);
    expect_int("parse-hex", fmt_parse_u32("0x3FfF0000", &u), 0);
    expect_int("parse-hex-value", u, 0x3fff0000);
    expect_int("parse-overflow", fmt_parse_u32("4294967296", &u), -1);
    expect_int("parse-garbage", fmt_parse_u32("12z", &u), -1);
    expect_int("parse-empty-hex", fmt_parse_u32("0x", &u), -1);
}

static void test_string(void)
{
    char a[16] = "hello", b[16];
    memset(b, 'x', sizeof b);
    memcpy(b, a, 6);
    expect_str("memcpy", b, "hello");
    memmove(a + 1, a, 5);
    a[6] = '\0';
    expect_str("memmove-overlap", a, "hhello");
    expect_int("memcmp", memcmp("abc", "abd", 3) < 0, 1);
    expect_int("strncmp", strncmp("abcx", "abcy", 3), 0);
    expect_int("strcmp", strcmp("b", "a") > 0, 1);
}

/* The block path's self-describing sectors (lib/blkpattern.h): round trips here; the exact bytes are compared with
 * an independent Python implementation of the contract by test_guest_lib.py through the "ok blkpattern" lines. */
static void test_blkpattern(void)
{
    static uint32_t sector[128];
    static const struct {
        uint32_t seq;
        uint64_t sector;
    } cases[] = {{1, 0}, {2, 1}, {7, 12345}, {0xffffffffu, 0x1ffffffffull}, {123456, 0xdeadbeefull}};
    char line[200];
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blkpattern_fill(sector, cases[i].seq, cases[i].sector);
        uint64_t fnv = 0xcbf29ce484222325ull;
        const uint8_t *b = (const uint8_t *)sector;
        for (unsigned k = 0; k < 512; k++)
            fnv = (fnv ^ b[k]) * 0x100000001b3ull;
        fmt_format(line, sizeof line, "ok blkpattern seq=%u sector=%llu w0=%08x%08x w1=%08x%08x w63=%08x%08x fnv=%llx\n",
                   (unsigned)cases[i].seq, (unsigned long long)cases[i].sector, (unsigned)sector[1],
                   (unsigned)sector[0], (unsigned)sector[3], (unsigned)sector[2], (unsigned)sector[127],
                   (unsigned)sector[126], (unsigned long long)fnv);
        out(line);
        uint32_t seq = 0, sec = 0;
        expect_int("blkpattern-decodes", blkpattern_decode(sector, &seq, &sec), 0);
        expect_int("blkpattern-seq", seq, cases[i].seq);
        expect_int("blkpattern-sector", sec, (uint32_t)cases[i].sector);
    }
    sector[77] ^= 0x100;
    uint32_t seq, sec;
    expect_int("blkpattern-torn-refused", blkpattern_decode(sector, &seq, &sec), -1);
    memset(sector, 0, sizeof sector);
    expect_int("blkpattern-zero-refused", blkpattern_decode(sector, &seq, &sec), -1);
    /* Unaligned to 8: the programs' buffers are only 4-byte aligned. */
    blkpattern_fill(sector + 1, 9, 99);
    expect_int("blkpattern-4-aligned", blkpattern_decode(sector + 1, &seq, &sec) == 0 && seq == 9 && sec == 99, 1);
    uint32_t state = 1;
    fmt_format(line, sizeof line, "ok blkrand seed=1");
    for (int i = 0; i < 5; i++) {
        char number[16];
        fmt_format(number, sizeof number, " %u", (unsigned)blkpattern_rand(&state));
        size_t n = strlen(line);
        memcpy(line + n, number, strlen(number) + 1);
    }
    size_t n = strlen(line);
    memcpy(line + n, "\n", 2);
    out(line);
}

void _start(void) __attribute__((noreturn));
void _start(void)
{
    test_format();
    test_div();
    test_args();
    test_string();
    test_blkpattern();
    out(failures == 0 ? "RESULT ok\n" : "RESULT fail\n");
    for (;;)
        linux_call(1 /* exit */, failures, 0, 0);
}
