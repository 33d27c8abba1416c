/*
 * probe-mem: memory isolation probes. Each probe prints one line
 *   PROBE <name> target=0x<addr> result=<fault|refused|no-fault> [kind=<trap kind> fault_addr=0x.. status=0x..
 *   vmode=<kernel|user>] [errno=<n>] [value=0x..]
 * and the program ends with RESULT ok when every probe faulted or was refused, RESULT fail otherwise.
 * Command line (space separated; default: all probes with the default targets):
 *   raw      accesses with translation off (XENARM_PV_set_ttbr 0): the hypervisor's stage 2 alone decides
 *   pte      our own page table entry pointed at the target frame, then an access through it
 *   user     applications reading, writing and executing kernel memory (DACR domain kernel)
 *   addr=A   an extra target guest-physical address (e.g. where the hypervisor reserve or another domain's
 *            block lies in machine memory); below and past our RAM are always targets; addr2=B a second one
 * Every kind of probe also runs its positive control, the same access where it is allowed, and prints
 *   CONTROL <name> target=0x<addr> result=<ok|fault> value=0x..
 * (raw-own: a word of our own RAM with translation off; pte-own: our own frame through the probe's page table
 * entry; user-own: an application reading and writing its own data): a probe that cannot touch memory at all
 * fails its control, so the refusals above it mean something.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"

#define PROBE_VA 0x50000000u

void probe_user_read(const char *arg);  /* user.c */
void probe_user_write(const char *arg);
void probe_user_exec(const char *arg);
void probe_user_syscalls(const char *arg);
void probe_user_hypercall(const char *arg);

static int failures;
static uint32_t targets[4];
static int ntargets;
static int user_pids[4];
static int syscall_pid;
static uint32_t kernel_secret = 0x5ec2e7u;
static volatile uint32_t control_word ALIGNED(4096) = 0xc0de0001u; /* alone in its page: the pte-own target */
static int control_pid;

void probe_user_own(const char *arg); /* user.c */

static void control(const char *name, uint32_t target, int faulted, uint32_t value, uint32_t expect)
{
    int ok = !faulted && value == expect;
    kprintf("CONTROL %s target=0x%08x result=%s value=0x%08x\n", name, (unsigned)target, ok ? "ok" : "fault",
            (unsigned)value);
    if (!ok)
        failures++;
}

static const char *vmode_name(uint32_t v) { return v == XENARM_VMODE_USER ? "user" : "kernel"; }

static void report(const char *name, uint32_t target, int faulted, const struct fault_record *f, uint32_t value)
{
    if (faulted) {
        kprintf("PROBE %s target=0x%08x result=fault kind=%s fault_addr=0x%08x status=0x%08x vmode=%s\n", name,
                (unsigned)target, trap_kind_name(f->kind), (unsigned)f->address, (unsigned)f->status,
                vmode_name(f->vmode));
    } else {
        kprintf("PROBE %s target=0x%08x result=no-fault value=0x%08x\n", name, (unsigned)target, (unsigned)value);
        failures++;
    }
}

static void probe_raw(void)
{
    long rc = HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, 0, 0);
    if (rc != 0) {
        kprintf("PROBE raw result=skipped errno=%ld (translation could not be turned off)\n", rc);
        failures++;
        return;
    }
    for (int i = 0; i < ntargets; i++) {
        struct fault_record f = {0};
        uint32_t v = 0;
        report("raw-read", targets[i], probe_read32(targets[i], &v, &f), &f, v);
        report("raw-write", targets[i], probe_write32(targets[i], 0xdeadbeefu, &f), &f, 0);
    }
    /* Control: with translation off, virtual = guest-physical, and our own RAM answers. */
    {
        struct fault_record f = {0};
        uint32_t v = 0, a = (uint32_t)&control_word;
        int faulted = probe_write32(a, 0xc0de0002u, &f) || probe_read32(a, &v, &f);
        control("raw-own", a, faulted, v, 0xc0de0002u);
    }
    rc = mm_install();
    if (rc != 0)
        panic("re-installing the page table: %ld", rc);
}

static void probe_pte(void)
{
    for (int i = 0; i < ntargets; i++) {
        uint32_t pa = targets[i] & ~(PAGE_SIZE - 1), va = PROBE_VA + (targets[i] & (PAGE_SIZE - 1));
        /* A live table edited after installation (then a TLB flush): every walk must be checked. */
        if (mm_map_page(PROBE_VA, pa, XENARM_DOMAIN_KERNEL, 1) != 0)
            panic("no L2 table left for the probe");
        struct fault_record f = {0};
        uint32_t v = 0;
        report("pte-read", targets[i], probe_read32(va, &v, &f), &f, v);
        report("pte-write", targets[i], probe_write32(va, 0xdeadbeefu, &f), &f, 0);
        /* The same table installed again: validation may refuse it, or accept it and fault on use. */
        long rc = mm_install();
        if (rc != 0) {
            kprintf("PROBE pte-install target=0x%08x result=refused errno=%ld\n", (unsigned)targets[i], rc);
        } else {
            report("pte-install-read", targets[i], probe_read32(va, &v, &f), &f, v);
        }
        mm_unmap_page(PROBE_VA);
        rc = mm_install();
        if (rc != 0)
            panic("re-installing the page table: %ld", rc);
    }
    /* Control: the same probe entry pointed at our own frame reads what the kernel wrote there. */
    uint32_t own = (uint32_t)&control_word;
    control_word = 0xc0de0003u;
    if (mm_map_page(PROBE_VA, own & ~(PAGE_SIZE - 1), XENARM_DOMAIN_KERNEL, 1) != 0)
        panic("no L2 table left for the probe");
    struct fault_record f = {0};
    uint32_t v = 0;
    int faulted = probe_read32(PROBE_VA + (own & (PAGE_SIZE - 1)), &v, &f);
    control("pte-own", own, faulted, v, 0xc0de0003u);
    mm_unmap_page(PROBE_VA);
    if (mm_install() != 0)
        panic("re-installing the page table");
}

static void add_target(uint32_t a)
{
    if (ntargets < (int)(sizeof targets / sizeof targets[0]))
        targets[ntargets++] = a;
}

int program_main(const char *cmdline)
{
    int all = !fmt_has_word(cmdline, "raw") && !fmt_has_word(cmdline, "pte") && !fmt_has_word(cmdline, "user");
    char value[24];
    uint32_t extra;
    add_target(GUEST_RAM_BASE - 4);
    add_target(GUEST_RAM_BASE + kernel_ram_size);
    if (fmt_arg(cmdline, "addr", value, sizeof value) == 0 && fmt_parse_u32(value, &extra) == 0)
        add_target(extra);
    if (fmt_arg(cmdline, "addr2", value, sizeof value) == 0 && fmt_parse_u32(value, &extra) == 0)
        add_target(extra);
    if (all || fmt_has_word(cmdline, "raw"))
        probe_raw();
    if (all || fmt_has_word(cmdline, "pte"))
        probe_pte();
    if (all || fmt_has_word(cmdline, "user")) {
        char arg[24];
        fmt_format(arg, sizeof arg, "0x%08x", (unsigned)&kernel_secret);
        user_pids[0] = task_spawn(probe_user_read, arg);
        user_pids[1] = task_spawn(probe_user_write, arg);
        fmt_format(arg, sizeof arg, "0x%08x", (unsigned)&kprintf);
        user_pids[2] = task_spawn(probe_user_exec, arg);
        user_pids[3] = task_spawn(probe_user_hypercall, "");
        syscall_pid = task_spawn(probe_user_syscalls, "");
        control_pid = task_spawn(probe_user_own, "");
    }
    return 0;
}

int program_after_tasks(void)
{
    static const char *const names[4] = {"user-read-kernel", "user-write-kernel", "user-exec-kernel",
                                         "app-hypercall"};
    for (int i = 0; i < 4; i++) {
        if (user_pids[i] <= 0)
            continue;
        struct fault_record f;
        int faulted = task_last_fault(user_pids[i], &f) == 0;
        uint32_t target = i == 2 ? (uint32_t)&kprintf : i == 3 ? 0 : (uint32_t)&kernel_secret;
        report(names[i], target, faulted, &f, 0);
    }
    /* The exit statuses: 128 + kind for each killed prober, the syscall task's own failure count. */
    int expected_sum = 0;
    for (int i = 0; i < 4; i++) {
        struct fault_record f;
        if (user_pids[i] > 0 && task_last_fault(user_pids[i], &f) == 0)
            expected_sum += 128 + (int)f.kind;
    }
    /* The control application exits 0x42 after reading and writing its own data. */
    if (control_pid > 0) {
        struct fault_record f;
        int faulted = task_last_fault(control_pid, &f) == 0;
        kprintf("CONTROL user-own target=0x00000000 result=%s value=0x%08x\n", faulted ? "fault" : "ok",
                faulted ? (unsigned)f.address : 0x42u);
        if (faulted)
            failures++;
        else
            expected_sum += 0x42;
    }
    if (syscall_pid > 0 && task_exit_codes_sum != expected_sum) {
        kprintf("PROBE user-syscalls result=wrong-errno failures=%d\n", task_exit_codes_sum - expected_sum);
        failures++;
    }
    if (kernel_secret != 0x5ec2e7u) {
        kprintf("PROBE user-write-kernel result=corrupted value=0x%08x\n", (unsigned)kernel_secret);
        failures++;
    }
    return failures;
}
