/* The application side of the mini kernel's system calls (include/guest-syscall.h), in virtual user mode. */
#ifndef GUEST_ULIB_H
#define GUEST_ULIB_H

#include <stddef.h>
#include <stdint.h>
#include "guest-syscall.h"
#include <xen/errno.h> /* XEN_EINVAL, ...: what system calls return, negated */

long sys_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2);
void sys_exit(int status) __attribute__((noreturn));
long sys_write(int fd, const void *buf, size_t len);
long sys_yield(void);
long sys_sleep(uint32_t ms);
long sys_getpid(void);
uint32_t sys_time_ms(void);
/* The block path (docs/guest-abi.md "Block devices"): 0 or a negative Xen errno. */
long sys_blk_info(uint32_t disk, struct guest_blk_info *info);
long sys_blk_io(uint32_t op, uint32_t disk, uint64_t sector, void *buffer, uint32_t bytes);
/* Guest time in ns: CNTVCT, readable in virtual user mode, counts ns on xenarm (CNTFRQ = 1 GHz) and is the host's
 * monotonic clock. */
uint64_t time_ns(void);
int uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
