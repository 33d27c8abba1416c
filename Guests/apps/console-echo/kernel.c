/*
 * console-echo (console): drives the console ring both ways for the console tests (docs/console.md).
 * Lines:
 *   CONSOLE ring port=<p>               the backend bound the console port: output now goes through the ring
 *   line <nnnnnn> <payload>             numbered output lines 1..lines (a test checks each appears exactly once)
 *   LINES done count=<n>
 *   LINES took ns=<t>                   guest time from the first line until the backend had consumed the last
 *   echo: <text>                        for each of the `echo` input lines read from the ring
 * Command line: lines=N (default 100), delay=US between lines (default 0), echo=K lines to read and echo back
 * (default 0), wait=MS for the backend to bind (default 30000; 0: do not wait, print through console_io
 * if no backend is there), garbage=1 to first write indices no honest guest
 * writes (out_prod 100000 past out_cons, in_cons 5000 past in_prod; a hostile-guest test: the backend must clamp,
 * count and carry on). RESULT ok when every step completed.
 */
#include "kernel.h"
#include "fmt.h"

int program_main(const char *cmdline)
{
    uint32_t lines = fmt_arg_u32(cmdline, "lines", 100), delay_us = fmt_arg_u32(cmdline, "delay", 0);
    uint32_t echo = fmt_arg_u32(cmdline, "echo", 0), wait_ms = fmt_arg_u32(cmdline, "wait", 30000);
    /* wait=0: print through whichever path is active (console_io without a backend: the benchmark's reference). */
    for (uint32_t waited = 0; wait_ms > 0 && !console_ring_connected(); waited++) {
        if (waited >= wait_ms) {
            kprintf("CONSOLE no-backend\n");
            return 1;
        }
        ksleep_ns(1000000ull);
    }
    kprintf("CONSOLE ring port=%u\n", (unsigned)console_ring_port());
    if (fmt_arg_u32(cmdline, "garbage", 0)) {
        console_ring_flush(2000000000ull);
        console_ring_scribble(100000, 5000);
        ksleep_ns(500000000ull); /* the backend sees the garbage, skips to out_prod and counts it */
        char drain[64];
        console_ring_read(drain, sizeof drain); /* our own in_cons is garbage too: the reader resets it */
        kprintf("GARBAGE written\n");
    }
    uint64_t start = time_now_ns();
    for (uint32_t i = 1; i <= lines; i++) {
        kprintf("line %06u the quick brown fox jumps over the lazy dog %08x\n", (unsigned)i, (unsigned)(i * 2654435761u));
        if (delay_us)
            ksleep_ns((uint64_t)delay_us * 1000ull);
    }
    console_ring_flush(10000000000ull); /* timed until the backend has taken every byte */
    uint64_t took = time_now_ns() - start;
    kprintf("LINES done count=%u\n", (unsigned)lines);
    kprintf("LINES took ns=%llu\n", (unsigned long long)took);
    for (uint32_t k = 0; k < echo; k++) {
        char line[200];
        int n = console_read_line(line, sizeof line, 60000000000ull);
        if (n < 0) {
            kprintf("ECHO timeout after %u lines\n", (unsigned)k);
            return 1;
        }
        kprintf("echo: %s\n", line);
    }
    return 0;
}
