/*
 * Guest entry (boot state in xenarm-pv.h): virtual kernel mode, translation off, r0 = domain id,
 * r1 = RAM size, r2 = command line, sp = 0. Set a stack, clear BSS, call kernel_boot(r0, r1, r2).
 */
    .syntax unified
    .arm
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     sp, =boot_stack_top
    mov     r4, r0
    mov     r5, r1
    mov     r6, r2
    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r3, #0
1:  cmp     r0, r1
    strlo   r3, [r0], #4
    blo     1b
    mov     r0, r4
    mov     r1, r5
    mov     r2, r6
    bl      kernel_boot
    /* kernel_boot never returns; if it does, spin (the hypervisor's budget still ends the slice). */
2:  b       2b

    .section .bss.boot_stack, "aw", %nobits
    .balign 8
boot_stack:
    .space  16384
    .global boot_stack_top
boot_stack_top:
