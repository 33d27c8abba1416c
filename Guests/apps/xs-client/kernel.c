/*
 * xs-client: a guest as a xenstore client through its xenstore ring (kernel/xenstore.c, docs/xenstore.md
 * "Guests"). Lines:
 *   XS name=<name>                         its own name, read relative ("name") and absolute: both must agree
 *   XS wrote data/xs-client=<value>        written under its home and read back equal
 *   XS directory data has xs-client
 *   XS watch fired path=<path> token=<t>   a watch on data/xs-watched fires for the write that follows it
 *   XS other-read <path> err=<name>        reading another domain's node: must be EACCES
 *   XS other-write <path> err=<name>       writing under another domain's home: must be EACCES
 *   XS fail <what> err=<name>              anything else that went wrong
 *   XS holding / XS released events=<n>    with hold=1: waits, watching data/release, until Dom0 writes 1 there
 *   XS beats=<n> slowest-ms=<ms>           with beat=1 too: writes to data/beat while holding, the slowest one
 * Command line: other=N (the other domain's id; default: 2 for domain 1, else 1), hold=1, beat=1.
 * With mode=garbage the guest reads its name, then breaks its ring: req_prod far past req_cons, notifies, and expects
 * xenstored to report XENSTORE_ERROR_RINGIDX in the page (XS ring-error=<n>), then a request to fail -EIO.
 * RESULT ok when every step gave the expected answer.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"
#include "string.h"
#include "xenstore.h"
#include <xen/io/xs_wire.h>

static int failures;

static void fail(const char *what, int err)
{
    kprintf("XS fail %s err=%s\n", what, xs_error_name(err));
    failures++;
}

static int garbage(void)
{
    struct xenstore_domain_interface *ring = xs_ring();
    char value[64];
    /* One honest request first: xenstored has bound the ring and answered before we break it. */
    int rc = xs_read("name", value, sizeof value);
    kprintf("XS before-garbage read %s\n", rc < 0 ? xs_error_name(rc) : value);
    if (rc < 0)
        return 1;
    ring->req_prod = ring->req_cons + 5000;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    evtchn_send(xs_port());
    uint32_t error = 0;
    for (int i = 0; i < 5000 && (error = __atomic_load_n(&ring->error, __ATOMIC_SEQ_CST)) == 0; i++)
        ksleep_ns(1000000ull);
    kprintf("XS ring-error=%u\n", (unsigned)error);
    rc = xs_read("name", value, sizeof value);
    kprintf("XS after-garbage read err=%s\n", xs_error_name(rc));
    return error == XENSTORE_ERROR_RINGIDX && rc == -EIO ? 0 : 1;
}

/* Stays up until Dom0 writes 1 to data/release, seen only through the watch: data/release is read when an event
 * arrives, never polled. The watch's events are the new watch's first one, the one a restarted xenstored sends for
 * each watch it restored (its own restart may have hidden a change), and Dom0's write. With beat=1 it also writes
 * data/beat every 100 ms meanwhile and reports how many writes it made and the slowest (a write sent while
 * xenstored is down waits in the ring and is answered after the restart). Up to 120 s. */
static void hold(int beat)
{
    char event_path[128], token[32], value[16], count[16];
    int rc = xs_watch("data/release", "release");
    if (rc != 0) {
        fail("watch data/release", rc);
        return;
    }
    kprintf("XS holding\n");
    uint64_t deadline = time_now_ns() + 120000000000ull, slowest = 0;
    uint32_t beats = 0, events = 0;
    while (time_now_ns() < deadline) {
        rc = xs_read_watch(event_path, sizeof event_path, token, sizeof token,
                           beat ? 100000000ull : deadline - time_now_ns());
        if (rc == 0) {
            events++;
            rc = xs_read("data/release", value, sizeof value);
            if (rc >= 0 && strcmp(value, "1") == 0) {
                kprintf("XS released events=%u\n", (unsigned)events);
                if (beat)
                    kprintf("XS beats=%u slowest-ms=%u\n", (unsigned)beats, (unsigned)fmt_udiv64(slowest, 1000000u, NULL));
                return;
            }
            if (rc < 0 && rc != -ENOENT) {
                fail("reading data/release", rc);
                return;
            }
            continue;
        }
        if (rc != -ETIMEDOUT) {
            fail("waiting for data/release", rc);
            return;
        }
        if (beat) {
            fmt_format(count, sizeof count, "%u", (unsigned)++beats);
            uint64_t t0 = time_now_ns();
            rc = xs_write("data/beat", count);
            uint64_t took = time_now_ns() - t0;
            if (took > slowest)
                slowest = took;
            if (rc != 0) {
                fail("write data/beat", rc);
                return;
            }
        }
    }
    fail("no watch event with data/release 1", -ETIMEDOUT);
}

int program_main(const char *cmdline)
{
    int rc = xs_init();
    if (rc != 0) {
        fail("init", rc);
        return 1;
    }
    if (fmt_has_word(cmdline, "mode=garbage"))
        return garbage();

    char name[64], absolute[64], path[96], value[96], back[96];
    rc = xs_read("name", name, sizeof name);
    if (rc < 0) {
        fail("read name", rc);
        return 1;
    }
    fmt_format(path, sizeof path, "/local/domain/%u/name", (unsigned)kernel_domid);
    rc = xs_read(path, absolute, sizeof absolute);
    if (rc < 0 || strcmp(name, absolute) != 0)
        fail("read absolute name", rc < 0 ? rc : -EIO);
    kprintf("XS name=%s\n", name);

    fmt_format(value, sizeof value, "written by domain %u (%s)", (unsigned)kernel_domid, name);
    rc = xs_write("data/xs-client", value);
    if (rc != 0)
        fail("write data/xs-client", rc);
    rc = xs_read("data/xs-client", back, sizeof back);
    if (rc < 0 || strcmp(value, back) != 0)
        fail("read back data/xs-client", rc < 0 ? rc : -EIO);
    else
        kprintf("XS wrote data/xs-client=%s\n", back);

    char names[256];
    int count = xs_directory("data", names, sizeof names);
    int found = 0;
    for (int i = 0, at = 0; i < count; i++) {
        if (strcmp(names + at, "xs-client") == 0)
            found = 1;
        at += (int)strlen(names + at) + 1;
    }
    if (found)
        kprintf("XS directory data has xs-client\n");
    else
        fail("directory data", count < 0 ? count : -ENOENT);

    /* A new watch fires once at once (xenstore semantics), then for the write. */
    char event_path[128], token[32];
    rc = xs_watch("data/xs-watched", "xs-client-token");
    if (rc != 0)
        fail("watch", rc);
    rc = xs_read_watch(event_path, sizeof event_path, token, sizeof token, 5000000000ull);
    if (rc != 0)
        fail("initial watch event", rc);
    rc = xs_write("data/xs-watched", "1");
    if (rc != 0)
        fail("write data/xs-watched", rc);
    rc = xs_read_watch(event_path, sizeof event_path, token, sizeof token, 5000000000ull);
    if (rc != 0)
        fail("watch event", rc);
    else if (strcmp(token, "xs-client-token") != 0)
        fail("watch token", -EINVAL);
    else
        kprintf("XS watch fired path=%s token=%s\n", event_path, token);
    rc = xs_unwatch("data/xs-watched", "xs-client-token");
    if (rc != 0)
        fail("unwatch", rc);

    char arg[16];
    uint32_t other = kernel_domid == 1 ? 2 : 1;
    if (fmt_arg(cmdline, "other", arg, sizeof arg) == 0)
        fmt_parse_u32(arg, &other);
    fmt_format(path, sizeof path, "/local/domain/%u/name", (unsigned)other);
    rc = xs_read(path, back, sizeof back);
    kprintf("XS other-read %s err=%s\n", path, rc < 0 ? xs_error_name(rc) : "none");
    if (rc != -EACCES)
        failures++;
    fmt_format(path, sizeof path, "/local/domain/%u/data/intruder", (unsigned)other);
    rc = xs_write(path, "from another domain");
    kprintf("XS other-write %s err=%s\n", path, rc < 0 ? xs_error_name(rc) : "none");
    if (rc != -EACCES)
        failures++;
    if (failures == 0 && fmt_has_word(cmdline, "hold=1"))
        hold(fmt_has_word(cmdline, "beat=1"));
    return failures == 0 ? 0 : 1;
}
