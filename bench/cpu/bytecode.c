/* CPU benchmark 2: a branchy bytecode interpreter (a stack machine with a switch dispatch loop) running a
 * program that counts primes by trial division and sums a Collatz walk: indirect jumps, unpredictable branches.
 * Usage: bytecode.elf [SCALE] */
#include "../../Tests/Integration/cpu/rt/rt.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, DIV2, LT, EQZ, JMP, JZ, JNZ, DUP, DROP, INC, HALT, ODD };

/* Locals: 0 = n, 1 = limit, 2 = d, 3 = prime count, 4 = x (Collatz walk), 5 = Collatz steps.
 * Offsets are written next to each line; jump targets refer to them. */
static const int32_t program[] = {
    /*  0 */ PUSH, 2, STORE, 0,                                  /* n = 2 */
    /*  4 */ LOAD, 0, LOAD, 1, LT, JZ, 54,                       /* while n < limit */
    /* 11 */ PUSH, 2, STORE, 2,                                  /*   d = 2 */
    /* 15 */ LOAD, 2, LOAD, 2, MUL, LOAD, 0, PUSH, 1, ADD, LT, JZ, 42, /* while d*d < n+1 */
    /* 28 */ LOAD, 0, LOAD, 2, MOD, JZ, 47,                      /*     n % d == 0: not prime */
    /* 35 */ LOAD, 2, INC, STORE, 2, JMP, 15,                    /*     d++ */
    /* 42 */ LOAD, 3, INC, STORE, 3,                             /*   prime: count++ */
    /* 47 */ LOAD, 0, INC, STORE, 0, JMP, 4,                     /*   n++ */
    /* 54 */ LOAD, 1, PUSH, 27, ADD, STORE, 4,                   /* x = limit + 27 */
    /* 61 */ LOAD, 4, PUSH, 1, SUB, JZ, 98,                      /* while x != 1 */
    /* 68 */ LOAD, 5, INC, STORE, 5,                             /*   steps++ */
    /* 73 */ LOAD, 4, ODD, JZ, 91,                               /*   if x odd */
    /* 78 */ LOAD, 4, DUP, DUP, ADD, ADD, INC, STORE, 4, JMP, 61, /*     x = 3x + 1 */
    /* 91 */ LOAD, 4, DIV2, STORE, 4, JMP, 61,                   /*   else x /= 2 */
    /* 98 */ HALT,
};

static int32_t run(const int32_t *code, int32_t limit, int32_t *steps_out) {
    int32_t stack[64], locals[8] = {0};
    int sp = 0, pc = 0;
    int32_t steps = 0;
    locals[1] = limit;
    for (;;) {
        int32_t op = code[pc++];
        steps++;
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = locals[code[pc++]]; break;
        case STORE: locals[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] = stack[sp - 1] % stack[sp]; break;
        case DIV2: stack[sp - 1] >>= 1; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case EQZ: stack[sp - 1] = stack[sp - 1] == 0; break;
        case ODD: stack[sp - 1] &= 1; break;
        case JMP: pc = code[pc]; break;
        case JZ: { int32_t t = code[pc++]; if (stack[--sp] == 0) pc = t; break; }
        case JNZ: { int32_t t = code[pc++]; if (stack[--sp] != 0) pc = t; break; }
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: if (sp > 0) sp--; break;
        case INC: stack[sp - 1]++; break;
        case HALT:
        default:
            *steps_out = steps;
            return locals[3] * 1000003 + locals[5];
        }
    }
}

int main(int argc, char **argv) {
    int scale = 1;
    if (argc > 1) { scale = 0; for (const char *s = argv[1]; *s; s++) scale = scale * 10 + (*s - '0'); }
    uint32_t acc = 0, total_steps = 0;
    for (int r = 0; r < scale; r++) {
        int32_t steps = 0;
        acc = acc * 31 + (uint32_t)run(program, 2000 + r, &steps);
        total_steps += (uint32_t)steps;
    }
    rt_printf("bytecode scale=%d acc=%08x steps=%u\n", scale, acc, total_steps);
    return 0;
}
