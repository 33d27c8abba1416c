#include <stdarg.h>
#include "ulib.h"
#include "fmt.h"

long sys_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2)
{
    register uint32_t r0 __asm__("r0") = a0;
    register uint32_t r1 __asm__("r1") = a1;
    register uint32_t r2 __asm__("r2") = a2;
    register uint32_t r7 __asm__("r7") = nr;
    __asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
    return (long)(int32_t)r0;
}

void sys_exit(int status)
{
    for (;;)
        sys_call(SYS_exit, (uint32_t)status, 0, 0);
}

long sys_write(int fd, const void *buf, size_t len) { return sys_call(SYS_write, (uint32_t)fd, (uint32_t)buf, len); }
long sys_yield(void) { return sys_call(SYS_yield, 0, 0, 0); }
long sys_sleep(uint32_t ms) { return sys_call(SYS_sleep, ms, 0, 0); }
long sys_getpid(void) { return sys_call(SYS_getpid, 0, 0, 0); }
uint32_t sys_time_ms(void) { return (uint32_t)sys_call(SYS_time, 0, 0, 0); }

long sys_blk_info(uint32_t disk, struct guest_blk_info *info)
{
    return sys_call(SYS_blk_info, disk, (uint32_t)info, 0);
}

long sys_blk_io(uint32_t op, uint32_t disk, uint64_t sector, void *buffer, uint32_t bytes)
{
    /* The request block lives on the caller's stack: in the user window, as the kernel requires. */
    struct guest_blk_io io = {.op = op, .disk = disk, .sector = sector, .buffer = (uint32_t)buffer, .bytes = bytes};
    return sys_call(SYS_blk_io, (uint32_t)&io, 0, 0);
}

uint64_t time_ns(void)
{
    uint32_t lo, hi;
    __asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
    return ((uint64_t)hi << 32) | lo;
}

int uprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    return (int)sys_write(1, buf, (size_t)n);
}

/* Where every task starts (task_spawn): run the entry, exit with 0 if it returns. */
void user_task_start(void (*entry)(const char *), const char *arg);
void user_task_start(void (*entry)(const char *), const char *arg)
{
    entry(arg);
    sys_exit(0);
}
