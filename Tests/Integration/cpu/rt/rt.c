/* The freestanding runtime: system calls, buffered output, a printf subset, the string functions and the
 * AEABI helpers (RTABI: run-time ABI for the ARM architecture) that clang calls for division and block copies
 * on a core without hardware divide. Compiled at the same -O level and instruction set as the program, so the
 * runtime is itself part of what the differential test exercises. */
#include "rt.h"

long rt_syscall3(long a, long b, long c, long nr);

enum { SYS_exit = 1, SYS_write = 4, SYS_exit_group = 248 };

long rt_write(int fd, const void *buf, size_t len) {
    return rt_syscall3(fd, (long)buf, (long)len, SYS_write);
}

/* ---- buffered stdout ---------------------------------------------------------------------------------- */

static char out_buf[1024];
static size_t out_len;

void rt_flush(void) {
    size_t done = 0;
    while (done < out_len) {
        long n = rt_write(1, out_buf + done, out_len - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    out_len = 0;
}

void rt_putc(char c) {
    if (out_len == sizeof out_buf) rt_flush();
    out_buf[out_len++] = c;
}

void rt_puts(const char *s) {
    while (*s) rt_putc(*s++);
}

_Noreturn void rt_exit(int status) {
    rt_flush();
    rt_syscall3(status, 0, 0, SYS_exit_group);
    rt_syscall3(status, 0, 0, SYS_exit);
    for (;;) {}
}

int rt_main(int argc, char **argv) {
    return main(argc, argv);
}

/* ---- formatting ---------------------------------------------------------------------------------------- */

struct sink {
    char *buf;       /* NULL: stream to stdout */
    size_t size;
    size_t len;
};

static void sink_put(struct sink *s, char c) {
    if (!s->buf) rt_putc(c);
    else if (s->len + 1 < s->size) s->buf[s->len] = c;
    s->len++;
}

static void put_padded(struct sink *s, const char *body, size_t n, const char *prefix, int width, int left, int zero) {
    size_t plen = strlen(prefix);
    int pad = width - (int)(n + plen);
    if (!left && !zero) for (; pad > 0; pad--) sink_put(s, ' ');
    for (size_t i = 0; i < plen; i++) sink_put(s, prefix[i]);
    if (!left && zero) for (; pad > 0; pad--) sink_put(s, '0');
    for (size_t i = 0; i < n; i++) sink_put(s, body[i]);
    if (left) for (; pad > 0; pad--) sink_put(s, ' ');
}

static int format(struct sink *s, const char *fmt, va_list ap) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') { sink_put(s, *fmt); continue; }
        fmt++;
        int left = 0, zero = 0, plus = 0, space = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-') left = 1;
            else if (*fmt == '0') zero = 1;
            else if (*fmt == '+') plus = 1;
            else if (*fmt == ' ') space = 1;
            else break;
        }
        if (*fmt == '*') { width = va_arg(ap, int); if (width < 0) { left = 1; width = -width; } fmt++; }
        else while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') { lng++; fmt++; }
        char digits[24];
        size_t n = 0;
        const char *prefix = "";
        char c = *fmt;
        switch (c) {
        case 'd': case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            if (v < 0) prefix = "-"; else if (plus) prefix = "+"; else if (space) prefix = " ";
            do { digits[sizeof digits - 1 - n++] = (char)('0' + u % 10); u /= 10; } while (u);
            put_padded(s, digits + sizeof digits - n, n, prefix, width, left, zero);
            break;
        }
        case 'u': case 'x': case 'X': case 'o': case 'p': {
            unsigned long long u;
            if (c == 'p') { u = (uintptr_t)va_arg(ap, void *); prefix = "0x"; }
            else u = lng >= 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
            const char *alpha = c == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            do { digits[sizeof digits - 1 - n++] = alpha[u % base]; u /= base; } while (u);
            put_padded(s, digits + sizeof digits - n, n, prefix, width, left, zero);
            break;
        }
        case 'c':
            digits[0] = (char)va_arg(ap, int);
            put_padded(s, digits, 1, "", width, left, 0);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str) str = "(null)";
            put_padded(s, str, strlen(str), "", width, left, 0);
            break;
        }
        case '%':
            sink_put(s, '%');
            break;
        case 0:
            return (int)s->len;
        default:
            sink_put(s, '%');
            sink_put(s, c);
        }
    }
    return (int)s->len;
}

int rt_printf(const char *fmt, ...) {
    struct sink s = {0, 0, 0};
    va_list ap;
    va_start(ap, fmt);
    int n = format(&s, fmt, ap);
    va_end(ap);
    return n;
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
    struct sink s = {buf, size, 0};
    int n = format(&s, fmt, ap);
    if (size) buf[s.len < size ? s.len : size - 1] = 0;
    return n;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- string and memory functions ------------------------------------------------------------------------ */

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* Word copies when both are aligned: the common case of struct copies, and it exercises LDR/STR. */
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (unsigned char)*a - (unsigned char)*b;
}

char *strcpy(char *dst, const char *src) {
    char *d = dst;
    while ((*d++ = *src++)) {}
    return dst;
}

/* AEABI block copies (RTABI 4.3.4); note __aeabi_memset's (dest, n, c) argument order. */
void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }

/* ---- division (RTABI 4.3.1), by shift and subtract: ARMv7-A without the divide extension -------------- */

uint64_t rt_udivmod64(uint64_t n, uint64_t d, uint64_t *rem) {
    if (d == 0) { *rem = n; return ~0ULL; }   /* Division by zero is the program's bug; keep it defined. */
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) { r -= d; q |= 1ULL << i; }
    }
    *rem = r;
    return q;
}

int64_t rt_sdivmod64(int64_t n, int64_t d, int64_t *rem) {
    uint64_t un = n < 0 ? 0ULL - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0ULL - (uint64_t)d : (uint64_t)d;
    uint64_t ur;
    uint64_t uq = rt_udivmod64(un, ud, &ur);
    *rem = n < 0 ? -(int64_t)ur : (int64_t)ur;         /* remainder takes the dividend's sign (C99 6.5.5) */
    return (n < 0) != (d < 0) ? -(int64_t)uq : (int64_t)uq;
}

static uint32_t udivmod32(uint32_t n, uint32_t d, uint32_t *rem) {
    if (d == 0) { *rem = n; return ~0U; }
    uint32_t q = 0, r = 0;
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) { r -= d; q |= 1U << i; }
    }
    *rem = r;
    return q;
}

uint32_t __aeabi_uidiv(uint32_t n, uint32_t d) {
    uint32_t r;
    return udivmod32(n, d, &r);
}

/* Quotient in r0, remainder in r1: exactly a uint64_t return under the AAPCS. */
uint64_t __aeabi_uidivmod(uint32_t n, uint32_t d) {
    uint32_t r;
    uint32_t q = udivmod32(n, d, &r);
    return ((uint64_t)r << 32) | q;
}

static int32_t sdivmod32(int32_t n, int32_t d, int32_t *rem) {
    uint32_t un = n < 0 ? 0U - (uint32_t)n : (uint32_t)n;
    uint32_t ud = d < 0 ? 0U - (uint32_t)d : (uint32_t)d;
    uint32_t ur;
    uint32_t uq = udivmod32(un, ud, &ur);
    *rem = n < 0 ? -(int32_t)ur : (int32_t)ur;
    return (n < 0) != (d < 0) ? (int32_t)(0U - uq) : (int32_t)uq;
}

int32_t __aeabi_idiv(int32_t n, int32_t d) {
    int32_t r;
    return sdivmod32(n, d, &r);
}

uint64_t __aeabi_idivmod(int32_t n, int32_t d) {
    int32_t r;
    int32_t q = sdivmod32(n, d, &r);
    return ((uint64_t)(uint32_t)r << 32) | (uint32_t)q;
}
