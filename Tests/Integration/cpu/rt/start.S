@ Entry point and AEABI helpers that need more than C's calling convention can express.
@ Assembled as ARM or as Thumb (the Makefile passes -mthumb for the Thumb variants), so every
@ instruction here must exist in both: unified syntax, no conditional execution without IT.
    .syntax unified
@ clang's -mthumb does not switch the assembler's initial state: choose it from the predefined macro.
#ifdef __thumb__
    .thumb
#else
    .arm
#endif
    .text

@ Linux hands a static ELF sp -> [argc, argv..., 0, envp..., 0, auxv...] (ELF ABI for ARM, 4.3).
    .globl _start
    .type _start, %function
_start:
    ldr     r0, [sp]
    add     r1, sp, #4
    mov     r4, sp
    bic     r4, r4, #7
    mov     sp, r4
    bl      rt_main
    bl      rt_exit
    .size _start, . - _start

@ uint64 quotient in r0:r1, uint64 remainder in r2:r3 (RTABI 4.3.1). C cannot return four registers,
@ so the C helper writes the remainder through a pointer passed on the stack (its fifth argument word).
    .globl __aeabi_uldivmod
    .type __aeabi_uldivmod, %function
__aeabi_uldivmod:
    push    {r11, lr}
    sub     sp, sp, #16
    add     r12, sp, #8
    str     r12, [sp]
    bl      rt_udivmod64
    ldrd    r2, r3, [sp, #8]
    add     sp, sp, #16
    pop     {r11, pc}
    .size __aeabi_uldivmod, . - __aeabi_uldivmod

    .globl __aeabi_ldivmod
    .type __aeabi_ldivmod, %function
__aeabi_ldivmod:
    push    {r11, lr}
    sub     sp, sp, #16
    add     r12, sp, #8
    str     r12, [sp]
    bl      rt_sdivmod64
    ldrd    r2, r3, [sp, #8]
    add     sp, sp, #16
    pop     {r11, pc}
    .size __aeabi_ldivmod, . - __aeabi_ldivmod

@ Linux EABI system call: number in r7, arguments r0-r5, result in r0 (arch/arm/kernel/entry-common.S).
    .globl rt_syscall3
    .type rt_syscall3, %function
rt_syscall3:
    push    {r7, lr}
    mov     r7, r3
    svc     #0
    pop     {r7, pc}
    .size rt_syscall3, . - rt_syscall3
