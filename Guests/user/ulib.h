/* The application side of the mini kernel's system calls (include/guest-syscall.h), in virtual user mode. */
#ifndef GUEST_ULIB_H
#define GUEST_ULIB_H

#include <stddef.h>
#include <stdint.h>
#include "guest-syscall.h"

long sys_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2);
void sys_exit(int status) __attribute__((noreturn));
long sys_write(int fd, const void *buf, size_t len);
long sys_yield(void);
long sys_sleep(uint32_t ms);
long sys_getpid(void);
uint32_t sys_time_ms(void);
int uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
