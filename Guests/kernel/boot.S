/*
 * Guest entry (boot state in xenarm-pv.h): virtual kernel mode, translation off, r0 = domain id,
 * r1 = RAM size, r2 = command line, sp = 0. Set a stack, clear BSS, copy the command line, clear BSS,
 * call kernel_boot(domid, ram size, the copied command line).
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
    /* Copy the command line first: the builder may have put it where BSS is about to be cleared. */
    ldr     r0, =kernel_cmdline
    mov     r1, #255
    cmp     r2, #0
    beq     3f
4:  ldrb    r3, [r2], #1
    strb    r3, [r0], #1
    cmp     r3, #0
    beq     3f
    subs    r1, r1, #1
    bne     4b
3:  mov     r3, #0
    strb    r3, [r0]
    ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    mov     r3, #0
1:  cmp     r0, r1
    strlo   r3, [r0], #4
    blo     1b
    ldr     r0, =__ubss_start
    ldr     r1, =__ubss_end
5:  cmp     r0, r1
    strlo   r3, [r0], #4
    blo     5b
    mov     r0, r4
    mov     r1, r5
    ldr     r2, =kernel_cmdline
    bl      kernel_boot
    /* kernel_boot never returns; if it does, spin (the hypervisor's budget still ends the slice). */
2:  b       2b

    .data
    .global kernel_cmdline
kernel_cmdline:
    .space  256

    .section .bss.boot_stack, "aw", %nobits
    .balign 8
boot_stack:
    .space  16384
    .global boot_stack_top
boot_stack_top:
