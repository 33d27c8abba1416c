/*
 * Hypercall wrappers (DESIGN.md §3): HVC #0xEA1, number in r12, arguments in r0-r4, result in r0.
 * One inline function per arity; the named wrappers below are the only callers.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "xen.h"

/* The clobbers say what the hypervisor may change: only r0 (the result) and memory the call writes. */
#define HVC_INSN ".arch_extension virt\n\thvc #0xea1"

static inline long hypercall5(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    register uint32_t r0 __asm__("r0") = a0;
    register uint32_t r1 __asm__("r1") = a1;
    register uint32_t r2 __asm__("r2") = a2;
    register uint32_t r3 __asm__("r3") = a3;
    register uint32_t r4 __asm__("r4") = a4;
    register uint32_t r12 __asm__("r12") = nr;
    __asm__ volatile(HVC_INSN
                     : "+r"(r0)
                     : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r12)
                     : "memory");
    return (long)(int32_t)r0;
}

#define hypercall0(nr) hypercall5((nr), 0, 0, 0, 0, 0)
#define hypercall1(nr, a) hypercall5((nr), (uint32_t)(a), 0, 0, 0, 0)
#define hypercall2(nr, a, b) hypercall5((nr), (uint32_t)(a), (uint32_t)(b), 0, 0, 0)
#define hypercall3(nr, a, b, c) hypercall5((nr), (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), 0, 0)

static inline long HYPERVISOR_console_io(int cmd, int count, const void *buf)
{
    return hypercall3(__HYPERVISOR_console_io, cmd, count, (uintptr_t)buf);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, (uintptr_t)arg);
}

#endif
