/*
 * Compile-time checks of the layouts the kernel shares with the hypervisor (xenarm-pv.h, the Xen public
 * headers for ARM). Sources/XenABI pins the same numbers from the Swift side; a mismatch fails both builds.
 */
#include <stddef.h>
#include "kernel.h"

_Static_assert(offsetof(struct xenarm_trap_frame, r) == 0, "trap frame r0");
_Static_assert(offsetof(struct xenarm_trap_frame, sp) == 52, "trap frame sp");
_Static_assert(offsetof(struct xenarm_trap_frame, lr) == 56, "trap frame lr");
_Static_assert(offsetof(struct xenarm_trap_frame, pc) == 60, "trap frame pc");
_Static_assert(offsetof(struct xenarm_trap_frame, cpsr) == 64, "trap frame cpsr");
_Static_assert(offsetof(struct xenarm_trap_frame, vmode) == 68, "trap frame vmode");
_Static_assert(offsetof(struct xenarm_trap_frame, kind) == 72, "trap frame kind");
_Static_assert(offsetof(struct xenarm_trap_frame, fault_address) == 76, "trap frame fault_address");
_Static_assert(offsetof(struct xenarm_trap_frame, fault_status) == 80, "trap frame fault_status");
_Static_assert(offsetof(struct xenarm_trap_frame, upcall_mask) == 84, "trap frame upcall_mask");
_Static_assert(sizeof(struct xenarm_trap_frame) == 88, "trap frame size (a multiple of 8: frames stay aligned)");
_Static_assert(sizeof(struct xenarm_vectors) == 4 * XENARM_TRAP_COUNT, "vectors");

/* shared_info as the hypervisor writes it (ARM: xen_ulong_t is 64-bit, one legacy vCPU). */
_Static_assert(sizeof(xen_ulong_t) == 8, "xen_ulong_t on ARM");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_pending) == 0, "upcall pending");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "upcall mask (xenarm keeps x86 PV's byte)");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "pending selector");
_Static_assert(sizeof(struct vcpu_info) == 48, "vcpu_info");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 48, "evtchn_pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 48 + 512, "evtchn_mask");
_Static_assert(sizeof(((struct shared_info *)0)->evtchn_pending) == 512, "4096 ports");

/* Grant table v1 and the hypercall argument structures the kernel passes. */
_Static_assert(sizeof(grant_entry_v1_t) == 8, "grant entry v1");
_Static_assert(offsetof(grant_entry_v1_t, domid) == 2 && offsetof(grant_entry_v1_t, frame) == 4, "grant entry v1 fields");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap");
_Static_assert(offsetof(struct xen_add_to_physmap, idx) == 8 && offsetof(struct xen_add_to_physmap, gpfn) == 16, "add_to_physmap fields");
_Static_assert(sizeof(struct gnttab_copy) == 40 && offsetof(struct gnttab_copy, dest) == 16 && offsetof(struct gnttab_copy, len) == 32 && offsetof(struct gnttab_copy, status) == 36, "gnttab_copy");
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound");
_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown");
