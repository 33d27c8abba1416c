/*
 * probe-xs: xenstore isolation between two guests, each a client of xenstored through its ring. Lines:
 *   CHECK <case> ret=<n> expect=<n>      an attempt on the other domain's nodes (ret is the Xen errno)
 *   CONTROL <case> ret=<n>               the same operation on our own nodes: must be 0
 * role=victim other=A [hold=MS]: writes data/secret, then rewrites it every 100 ms until domain A's
 *   data/done (which A lets it read) says 1, at most MS ms (default 90000):
 *   VICTIM started / VICTIM done writes=<n> failed=<n> released=<0|1>; then, A having filled its quota,
 *   CONTROL victim-write-after-quota ret=0 (its own writes still work) and CHECK victim-secret-intact.
 * role=attack other=V [delay=MS]: against domain V's data/secret
 *   read-other (EACCES), write-other (EACCES), chmod-other (EACCES), each with its own-node control;
 *   watch-other: a watch on V's node gets no event while V keeps writing it (events=0), next to a watch on
 *   its own node that fires for its own write (CONTROL watch-own events>=1);
 *   quota: creates nodes under its home until xenstored refuses (ENOSPC), CHECK quota-exhausted count=<n>,
 *   then writes 1 to its data/done (readable by V): the victim's cue.
 * RESULT ok when every attempt was refused and every control succeeded.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"
#include "string.h"
#include "xenstore.h"

static int failures;

static void check(const char *name, int ret, int expect)
{
    kprintf("CHECK %s ret=%d expect=%d\n", name, ret, expect);
    if (ret != expect)
        failures++;
}

static void control(const char *name, int ret)
{
    kprintf("CONTROL %s ret=%d\n", name, ret);
    if (ret != 0)
        failures++;
}

static int victim(const char *cmdline)
{
    uint32_t hold = fmt_arg_u32(cmdline, "hold", 90000), writes = 0, failed = 0, other = fmt_arg_u32(cmdline, "other", 1);
    char value[32], done_path[64], done[8];
    int released = 0;
    fmt_format(done_path, sizeof done_path, "/local/domain/%u/data/done", (unsigned)other);
    control("victim-write-own", xs_write("data/secret", "victim-secret-0"));
    kprintf("VICTIM started\n");
    uint64_t end = time_now_ns() + (uint64_t)hold * 1000000ull;
    while (time_now_ns() < end) {
        fmt_format(value, sizeof value, "victim-secret-%u", (unsigned)++writes);
        if (xs_write("data/secret", value) != 0)
            failed++;
        if (xs_read(done_path, done, sizeof done) > 0 && strcmp(done, "1") == 0) {
            released = 1;
            break;
        }
        ksleep_ns(100000000ull);
    }
    kprintf("VICTIM done writes=%u failed=%u released=%d\n", (unsigned)writes, (unsigned)failed, released);
    if (failed != 0 || !released)
        failures++;
    control("victim-write-after-quota", xs_write("data/after", "still writing"));
    char back[32];
    int rc = xs_read("data/secret", back, sizeof back);
    int intact = rc > 0 && strcmp(back, value) == 0;
    kprintf("CHECK victim-secret-intact ret=%d expect=0 value=%s\n", intact ? 0 : -1, rc > 0 ? back : "?");
    if (!intact)
        failures++;
    return failures;
}

/* Watch events for up to MS ms: counts those with TOKEN A and TOKEN B. */
static void count_events(uint32_t ms, const char *a, int *na, const char *b, int *nb)
{
    char path[128], token[32];
    uint64_t end = time_now_ns() + (uint64_t)ms * 1000000ull;
    while (time_now_ns() < end) {
        int rc = xs_read_watch(path, sizeof path, token, sizeof token, 100000000ull);
        if (rc != 0)
            continue;
        if (strcmp(token, a) == 0)
            (*na)++;
        else if (strcmp(token, b) == 0)
            (*nb)++;
    }
}

static int attack(const char *cmdline)
{
    uint32_t other = fmt_arg_u32(cmdline, "other", 1);
    char path[96], value[64], perm_self[8], perm_other[8];
    ksleep_ns((uint64_t)fmt_arg_u32(cmdline, "delay", 500) * 1000000ull);
    fmt_format(path, sizeof path, "/local/domain/%u/data/secret", (unsigned)other);
    fmt_format(perm_self, sizeof perm_self, "n%u", (unsigned)kernel_domid);
    fmt_format(perm_other, sizeof perm_other, "b%u", (unsigned)kernel_domid);

    int rc = xs_read(path, value, sizeof value);
    check("read-other", rc < 0 ? rc : 0, -EACCES);
    rc = xs_read("name", value, sizeof value);
    control("read-own", rc < 0 ? rc : 0);

    check("write-other", xs_write(path, "written by the attacker"), -EACCES);
    control("write-own", xs_write("data/own", "mine"));

    const char *grab[1] = {perm_other};
    check("chmod-other", xs_set_perms(path, grab, 1), -EACCES);
    const char *mine[1] = {perm_self};
    control("chmod-own", xs_set_perms("data/own", mine, 1));

    /* Watches: both fire once when set (xenstore semantics); drain, then count what the changes bring. */
    int other_events = 0, own_events = 0;
    control("watch-register-own", xs_watch("data/own", "own"));
    rc = xs_watch(path, "other");
    kprintf("WATCH other registered ret=%d\n", rc);
    count_events(300, "other", &other_events, "own", &own_events);
    other_events = own_events = 0;
    control("watch-own-write", xs_write("data/own", "changed"));
    count_events(1500, "other", &other_events, "own", &own_events);
    kprintf("CHECK watch-other ret=%d expect=0 events=%d\n", other_events, other_events);
    kprintf("CONTROL watch-own ret=%d events=%d\n", own_events >= 1 ? 0 : -1, own_events);
    if (other_events != 0 || own_events < 1)
        failures++;
    xs_unwatch(path, "other");
    xs_unwatch("data/own", "own");

    /* The victim's cue, created before the quota is full and readable by it. */
    char perm_victim[8];
    fmt_format(perm_victim, sizeof perm_victim, "r%u", (unsigned)other);
    const char *cue[2] = {perm_self, perm_victim};
    control("cue-create", xs_write("data/done", "0"));
    control("cue-chmod", xs_set_perms("data/done", cue, 2));

    /* Quota: nodes until xenstored says no. */
    uint32_t count = 0;
    for (;;) {
        fmt_format(value, sizeof value, "data/q/%u", (unsigned)count);
        rc = xs_write(value, "x");
        if (rc != 0 || count > 5000)
            break;
        count++;
    }
    kprintf("CHECK quota-exhausted ret=%d expect=%d count=%u\n", rc, -ENOSPC, (unsigned)count);
    if (rc != -ENOSPC)
        failures++;
    control("cue-write", xs_write("data/done", "1"));
    return failures;
}

int program_main(const char *cmdline)
{
    int rc = xs_init();
    if (rc != 0) {
        kprintf("XS fail init err=%s\n", xs_error_name(rc));
        return 1;
    }
    char role[16];
    if (fmt_arg(cmdline, "role", role, sizeof role) == 0 && strcmp(role, "victim") == 0)
        return victim(cmdline);
    return attack(cmdline);
}
