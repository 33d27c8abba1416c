/*
 * Exception and upcall entry (xenarm-pv.h). The hypervisor pushes a struct xenarm_trap_frame and enters here
 * with r0 = sp = the frame, r1 = the trap kind, in virtual kernel mode with upcalls masked. Every kind shares
 * one path: the C dispatcher decides what to do and returns the frame to resume (the same one, or another
 * task's), which XENARM_PV_return restores. The C code runs on the stack below the frame.
 */
    .syntax unified
    .arm
    .text

#define HYPERVISOR_arch_0 48
#define PV_return 2

    .balign 4
    .global trap_entry
trap_entry:
    bl      trap_dispatch           @ r0 = frame, r1 = kind -> r0 = frame to resume
    /* fall through */

    .global trap_resume
trap_resume:                        @ r0 = frame (never returns)
    mov     r1, r0
    mov     r0, #PV_return
    mov     r12, #HYPERVISOR_arch_0
    .arch_extension virt
    hvc     #0xea1
    bl      trap_resume_failed      @ r0 = the errno; does not return

    .section .rodata
    .balign 4
    .global trap_vectors
trap_vectors:                       @ struct xenarm_vectors: one entry per XENARM_TRAP_* kind
    .word   trap_entry, trap_entry, trap_entry, trap_entry, trap_entry

    /*
     * Probe accesses: a load or store that may fault. The trap handler recognises a fault at
     * probe_*_insn and resumes at probe_fixup with r0 = 1 (Linux's exception tables, in one entry).
     */
    .text
    .global probe_load, probe_store, probe_load_insn, probe_store_insn, probe_fixup
probe_load:                         @ r0 = address, r1 = out value; returns 0 (r0 = 1 after a fault)
probe_load_insn:
    ldr     r2, [r0]
    str     r2, [r1]
    mov     r0, #0
    bx      lr
probe_store:                        @ r0 = address, r1 = value
probe_store_insn:
    str     r1, [r0]
    mov     r0, #0
    bx      lr
probe_fixup:
    mov     r0, #1
    bx      lr
