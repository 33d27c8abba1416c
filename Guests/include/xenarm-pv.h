/*
 * xenarm's ARM paravirtualization interface: what a PV guest kernel needs beyond the Xen public headers
 * (DESIGN.md §3). Everything here travels through one hypercall, __HYPERVISOR_arch_0, with the sub-op in r0.
 * docs/guest-abi.md explains each operation; Sources/XenABI mirrors these layouts and its tests pin them
 * against this header as clang compiles it for armv7a.
 *
 * Model (Xen-ARM): the guest kernel ("virtual kernel mode") and its applications ("virtual user mode") both
 * run in ARM user mode. The hypervisor alone switches between them, and keeps kernel-only memory (mappings in
 * DACR domain XENARM_DOMAIN_KERNEL) out of reach of virtual user mode.
 */
#ifndef XENARM_PV_H
#define XENARM_PV_H

#include <stdint.h>

/* Hypercall entry: HVC #XENARM_HVC_IMM (or SVC #XENARM_HVC_IMM from virtual kernel mode), number in r12,
 * arguments in r0-r4, result in r0 (a negative Xen errno on failure). */
#define XENARM_HVC_IMM 0xEA1

/* Sub-ops of __HYPERVISOR_arch_0 (r0). */
#define XENARM_PV_set_vectors        0 /* r1 = guest-virtual address of struct xenarm_vectors,
                                          r2 = kernel stack top used when an event arrives in virtual user mode */
#define XENARM_PV_set_kernel_stack   1 /* r1 = new kernel stack top (per-task stacks) */
#define XENARM_PV_return             2 /* r1 = address of a struct xenarm_trap_frame to resume (never returns
                                          on success; may switch to virtual user mode) */
#define XENARM_PV_set_ttbr           3 /* r1 = guest-physical base of a 16 KiB short-descriptor L1 table
                                          (TTBCR.N = 0), or 0 to turn translation off; validated */
#define XENARM_PV_tlb_flush          4 /* r1 = XENARM_TLB_ALL, or XENARM_TLB_VA with r2 = virtual address */

#define XENARM_TLB_ALL 0
#define XENARM_TLB_VA  1

/* DACR domains the hypervisor manages (the guest puts each section/page table in one of them). */
#define XENARM_DOMAIN_USER   0 /* reachable from virtual user and virtual kernel mode */
#define XENARM_DOMAIN_KERNEL 1 /* reachable from virtual kernel mode only */

/* Why the kernel was entered (xenarm_trap_frame.kind, also in r1 at the vector). */
#define XENARM_TRAP_SYSCALL        0 /* SVC from virtual user mode */
#define XENARM_TRAP_UNDEFINED      1 /* undefined or privileged instruction */
#define XENARM_TRAP_PREFETCH_ABORT 2 /* instruction fetch fault: fault_address, fault_status (IFSR) */
#define XENARM_TRAP_DATA_ABORT     3 /* data access fault: fault_address (DFAR), fault_status (DFSR) */
#define XENARM_TRAP_UPCALL         4 /* an event channel is pending and upcalls were unmasked */
#define XENARM_TRAP_COUNT          5

/* Entry points, one per trap kind (bit 0 set = Thumb), read when XENARM_PV_set_vectors is called. */
struct xenarm_vectors {
    uint32_t entry[XENARM_TRAP_COUNT];
};

/* Virtual mode recorded in a trap frame. */
#define XENARM_VMODE_KERNEL 0
#define XENARM_VMODE_USER   1

/*
 * Pushed by the hypervisor on the kernel stack (the registered one when coming from virtual user mode, the
 * current sp otherwise), 8-byte aligned. At the vector: r0 = sp = address of this frame, r1 = kind, virtual
 * kernel mode, event upcalls masked (vcpu_info.evtchn_upcall_mask = 1). XENARM_PV_return restores r0-r15, the
 * user-writable CPSR bits (NZCVQ, GE, T), the virtual mode and the upcall mask saved here.
 */
struct xenarm_trap_frame {
    uint32_t r[13];
    uint32_t sp;
    uint32_t lr;
    uint32_t pc;            /* where to resume: the instruction after SVC, the faulting instruction otherwise */
    uint32_t cpsr;
    uint32_t vmode;         /* XENARM_VMODE_* of the interrupted context */
    uint32_t kind;          /* XENARM_TRAP_* */
    uint32_t fault_address;
    uint32_t fault_status;
    uint32_t upcall_mask;   /* evtchn_upcall_mask of the interrupted context */
};

/* At boot: virtual kernel mode, translation off (virtual = guest-physical), upcalls masked, pc = ELF entry,
 * r0 = domain id, r1 = guest-physical RAM size in bytes, r2 = guest-physical address of the NUL-terminated
 * command line (the topology's `args`), sp = 0 (the kernel sets its own stack). */

#endif
