/*
 * printf-style formatting into a caller's buffer, no allocation: %d %i %u %x %X %p %s %c %% with
 * optional '0' flag, width, and 'l'/'ll' length (64-bit with 'll'). Output is always NUL-terminated when
 * size > 0; the return value is the length the full output would have had (like snprintf).
 */
#ifndef GUEST_FMT_H
#define GUEST_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

int fmt_vformat(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Quotient and remainder of a 64-bit value by a 32-bit divisor, without a runtime library. */
uint64_t fmt_udiv64(uint64_t n, uint32_t d, uint32_t *remainder);

/* Command-line helpers: the value of "key=" in a space-separated line (copied, NUL-terminated), and numbers in
 * decimal or 0x-hex. Both return 0 on success, -1 when absent or malformed. */
int fmt_arg(const char *line, const char *key, char *out, size_t size);
int fmt_parse_u32(const char *s, uint32_t *out);
/* The value of key=N in a command line, or fallback when it is absent or not a number. */
uint32_t fmt_arg_u32(const char *line, const char *key, uint32_t fallback);
int fmt_has_word(const char *line, const char *word);

#endif
