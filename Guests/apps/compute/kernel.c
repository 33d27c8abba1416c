/*
 * compute: a CPU workload in virtual user mode. Command line: iterations=N (default 1000000) rounds of an
 * integer mix; it prints a checksum (deterministic for a given N) and, with report=M, a progress line every
 * M iterations (the scheduler share test counts them). spin=1 never stops (iterations ignored).
 */
#include "kernel.h"
#include "fmt.h"

void compute_main(const char *arg); /* user.c */

int program_main(const char *cmdline)
{
    return task_spawn(compute_main, cmdline) < 0 ? 1 : 0;
}
