@ The smallest ARM ELF32 executable the loader accepts as a kernel: it spins. Built by the command in README.md.
    .text
    .global _start
_start:
    b _start
