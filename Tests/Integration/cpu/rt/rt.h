/* The freestanding runtime of the CPU differential corpus: what a test program may call.
 * Programs define `int main(int argc, char **argv)`; the status it returns is the process exit status. */
#ifndef XENARM_CPU_RT_H
#define XENARM_CPU_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Linux EABI system calls (arch/arm/tools/syscall.tbl). */
long rt_write(int fd, const void *buf, size_t len);
_Noreturn void rt_exit(int status);

/* Buffered stdout; flushed when full, by rt_flush and at exit. */
void rt_putc(char c);
void rt_puts(const char *s);
void rt_flush(void);

/* printf subset: %d %i %u %x %X %o %c %s %p %%, length modifiers l and ll, flags '-' '0' '+' ' ', field width
 * (also '*'). Enough to print every integer type; no floating point (the corpus stays integer-only). */
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
char *strcpy(char *dst, const char *src);

int main(int argc, char **argv);

#endif
