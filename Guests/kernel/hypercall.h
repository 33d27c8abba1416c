/*
 * Hypercall wrappers (DESIGN.md §3): HVC #0xEA1, number in r12, arguments in r0-r4, result in r0 (a negative
 * Xen errno on failure). Pointers are guest-virtual addresses; the kernel maps itself 1:1 so they are also
 * guest-physical. A 64-bit argument takes two registers, low word first (AAPCS).
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "xen.h"

static inline long hypercall5(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    register uint32_t r0 __asm__("r0") = a0;
    register uint32_t r1 __asm__("r1") = a1;
    register uint32_t r2 __asm__("r2") = a2;
    register uint32_t r3 __asm__("r3") = a3;
    register uint32_t r4 __asm__("r4") = a4;
    register uint32_t r12 __asm__("r12") = nr;
    /* Only r0 (the result) and memory the call writes change; r1-r4 and r12 are preserved by the hypervisor,
     * but we do not rely on it: they are inputs the compiler treats as clobbered below. */
    __asm__ volatile(".arch_extension virt\n\thvc #0xea1"
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r12)
                     :
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

/* Absolute deadline in ns of guest system time (time.c), 0 cancels. */
static inline long HYPERVISOR_set_timer_op(uint64_t deadline)
{
    return hypercall2(__HYPERVISOR_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32));
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, (uintptr_t)arg);
}

static inline long HYPERVISOR_grant_table_op(int cmd, void *uop, unsigned int count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, (uintptr_t)uop, count);
}

static inline long HYPERVISOR_memory_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, (uintptr_t)arg);
}

static inline long HYPERVISOR_hvm_op(int op, void *arg)
{
    return hypercall2(__HYPERVISOR_hvm_op, op, (uintptr_t)arg);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, (uintptr_t)arg);
}

static inline long HYPERVISOR_vcpu_op(int cmd, int vcpuid, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpuid, (uintptr_t)arg);
}

/* The ARM PV arch hypercall (xenarm-pv.h): sub-op in r0. */
static inline long HYPERVISOR_arch_pv(uint32_t subop, uint32_t a1, uint32_t a2)
{
    return hypercall3(__HYPERVISOR_arch_0, subop, a1, a2);
}

#endif
