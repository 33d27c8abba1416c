/*
 * System calls of the mini PV kernel (docs/guest-abi.md, "Mini kernel system calls"): an application in
 * virtual user mode executes SVC #0 with the number in r7 and arguments in r0-r2; the result comes back in
 * r0 (negative Xen errno on failure).
 */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H

#define SYS_exit   0 /* r0 = status; does not return */
#define SYS_write  1 /* r0 = fd (1 or 2), r1 = buffer, r2 = length; returns length */
#define SYS_yield  2 /* returns 0 */
#define SYS_sleep  3 /* r0 = milliseconds; returns 0 */
#define SYS_getpid 4 /* returns the task id (1, 2, ...) */
#define SYS_time   5 /* returns guest time in ms (low 32 bits) */
#define SYS_COUNT  6

#endif
