/*
 * probe-hcall: bad arguments to every hypercall. One line per call:
 *   HCALL <name> ret=<n> xen=<n>
 * ret is what the hypervisor answered (for grant ops with a per-op status, the status when the call itself
 * succeeded), xen the value Xen itself would give (tests compare). RESULT ok when every call was refused
 * (ret < 0) and the kernel is still alive to say so.
 * With seed=S [count=N] (default 1000) it also makes N random hypercalls with random arguments (pointers into a
 * page of random bytes or outside RAM), skipping only calls that would end or reconfigure the domain on
 * purpose (shutdown, block, the arch sub-ops that replace vectors, page tables or the running frame, console
 * writes of random bytes), and prints RANDOM calls=<n> refused=<n> accepted=<n>.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"
#include "string.h"

#define BAD_PTR 0x00001000u /* below the grant and magic windows, outside RAM: never mapped */

static int failures;
static uint8_t scratch[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint32_t bad_l1[4096] ALIGNED(16384);   /* copies of our table with one bad descriptor each */
static uint32_t bad_l2[256] ALIGNED(1024);

static void check(const char *name, long ret, int xen)
{
    kprintf("HCALL %s ret=%ld xen=%d\n", name, ret, xen);
    if (ret >= 0)
        failures++;
}

/* A grant op answers per-op status in the structure; the call's own result comes first. */
static long gnt_result(long rc, int16_t status) { return rc != 0 ? rc : status; }

/* Page tables the validator must refuse: our own table with one descriptor changed. The table in use stays. */
static void ttbr_case(const char *name, uint32_t index, uint32_t descriptor)
{
    const uint32_t *live = mm_l1_table();
    for (uint32_t i = 0; i < 4096; i++)
        bad_l1[i] = live[i];
    bad_l1[index] = descriptor;
    check(name, HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, (uint32_t)bad_l1, 0), -EINVAL);
}

static void ttbr_case_control(void)
{
    const uint32_t *live = mm_l1_table();
    for (uint32_t i = 0; i < 4096; i++)
        bad_l1[i] = live[i];
    long rc = HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, (uint32_t)bad_l1, 0);
    kprintf("CONTROL set-ttbr-valid-copy ret=%ld\n", rc);
    if (rc != 0)
        failures++;
    if (mm_install() != 0)
        panic("re-installing the page table");
}

static void ttbr_cases(void)
{
    uint32_t free_index = 0x500; /* VA 0x50000000: unused by the kernel */
    ttbr_case("set-ttbr-section-outside-ram", free_index, 0x10000000u | (3u << 10) | 2u);
    ttbr_case("set-ttbr-section-past-ram", free_index, (GUEST_RAM_BASE + kernel_ram_size) | (3u << 10) | 2u);
    ttbr_case("set-ttbr-supersection", free_index, GUEST_RAM_BASE | (1u << 18) | (3u << 10) | 2u);
    ttbr_case("set-ttbr-reserved-type", free_index, GUEST_RAM_BASE | 3u);
    ttbr_case("set-ttbr-l2-outside-ram", free_index, 0x10000000u | 1u);
    for (uint32_t i = 0; i < 256; i++)
        bad_l2[i] = 0;
    bad_l2[0] = 0x10000000u | (3u << 4) | 2u; /* a small page of somebody else's memory */
    ttbr_case("set-ttbr-small-page-foreign", free_index, (uint32_t)bad_l2 | 1u);
    bad_l2[0] = (GUEST_RAM_BASE + kernel_ram_size) | 1u; /* a 64 KiB large page past RAM */
    ttbr_case("set-ttbr-large-page-past-ram", free_index, (uint32_t)bad_l2 | 1u);
    /* The control: the same copy without a bad descriptor is accepted (so the refusals above were about the
     * descriptor), then our own table goes back in. */
    ttbr_case_control();
    /* Still translating with the table we had: a kernel variable reads back. */
    static volatile uint32_t canary = 0xc0ffee;
    if (canary != 0xc0ffee)
        failures++;
}

static void fixed_cases(void)
{
    check("unknown-63", hypercall0(63), -ENOSYS);
    check("unknown-0xffff", hypercall0(0xffff), -ENOSYS);

    check("console_io-bad-cmd", HYPERVISOR_console_io(99, 0, NULL), -ENOSYS);
    check("console_io-write-bad-ptr", HYPERVISOR_console_io(CONSOLEIO_write, 16, (void *)BAD_PTR), -EFAULT);
    check("console_io-write-past-ram", HYPERVISOR_console_io(CONSOLEIO_write, 0x7fffffff, (void *)(GUEST_RAM_BASE + kernel_ram_size - 16)), -EFAULT);

    check("sched_op-bad-cmd", HYPERVISOR_sched_op(99, NULL), -ENOSYS);
    check("sched_op-shutdown-bad-ptr", HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)BAD_PTR), -EFAULT);
    check("sched_op-poll-bad-ptr", HYPERVISOR_sched_op(SCHEDOP_poll, (void *)BAD_PTR), -EFAULT);

    check("event_channel_op-bad-cmd", HYPERVISOR_event_channel_op(99, NULL), -ENOSYS);
    check("event_channel_op-send-bad-ptr", HYPERVISOR_event_channel_op(EVTCHNOP_send, (void *)BAD_PTR), -EFAULT);
    check("evtchn-send-unbound-port", evtchn_send(1000), -EINVAL);
    check("evtchn-send-port-out-of-range", evtchn_send(0x7fffffff), -EINVAL);
    uint32_t port;
    check("evtchn-bind-virq-bad", evtchn_bind_virq(99, &port), -EINVAL);
    check("evtchn-close-bad-port", evtchn_close(100000), -EINVAL);
    struct evtchn_status st = {.dom = DOMID_SELF, .port = 100000};
    check("evtchn-status-bad-port", HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), -EINVAL);
    struct evtchn_unmask um = {.port = 100000};
    check("evtchn-unmask-bad-port", HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &um), -EINVAL);
    struct evtchn_alloc_unbound au = {.dom = 0, .remote_dom = 0};
    check("evtchn-alloc-unbound-other-dom", HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -EPERM);
    check("evtchn-bind-interdomain-bad", evtchn_bind_interdomain(0x7ff0, 1, &port), -EINVAL);

    check("grant_table_op-bad-cmd", HYPERVISOR_grant_table_op(99, NULL, 1), -ENOSYS);
    check("grant_table_op-setup-bad-ptr", HYPERVISOR_grant_table_op(GNTTABOP_setup_table, (void *)BAD_PTR, 1), -EFAULT);
    struct gnttab_query_size qs = {.dom = 0};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1);
    check("grant-query-size-other-dom", gnt_result(rc, qs.status), GNTST_permission_denied);
    check("grant_table_op-copy-bad-ptr", HYPERVISOR_grant_table_op(GNTTABOP_copy, (void *)BAD_PTR, 1), -EFAULT);
    struct gnttab_map_grant_ref map = {.host_addr = GUEST_RAM_BASE, .flags = GNTMAP_host_map, .ref = 8, .dom = 0};
    rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1);
    check("grant-map-unsupported", rc, -ENOSYS);

    check("memory_op-bad-cmd", HYPERVISOR_memory_op(99, NULL), -ENOSYS);
    check("memory_op-add-to-physmap-bad-ptr", HYPERVISOR_memory_op(XENMEM_add_to_physmap, (void *)BAD_PTR), -EFAULT);
    struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = 99, .idx = 0, .gpfn = 0x39200};
    check("add-to-physmap-bad-space", HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -EINVAL);
    xatp = (struct xen_add_to_physmap){.domid = 0, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = 0x39200};
    check("add-to-physmap-other-dom", HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -EPERM);
    xatp = (struct xen_add_to_physmap){.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 4096, .gpfn = 0x38100};
    check("add-to-physmap-grant-idx-too-big", HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -EINVAL);

    check("hvm_op-bad-cmd", HYPERVISOR_hvm_op(99, NULL), -ENOSYS);
    struct xen_hvm_param hp = {.domid = DOMID_SELF, .index = 9999};
    check("hvm-get-param-bad-index", HYPERVISOR_hvm_op(HVMOP_get_param, &hp), -EINVAL);
    check("hvm-get-param-bad-ptr", HYPERVISOR_hvm_op(HVMOP_get_param, (void *)BAD_PTR), -EFAULT);
    hp = (struct xen_hvm_param){.domid = 0, .index = HVM_PARAM_STORE_PFN};
    check("hvm-get-param-other-dom", HYPERVISOR_hvm_op(HVMOP_get_param, &hp), -EPERM);

    check("xen_version-bad-cmd", HYPERVISOR_xen_version(99, NULL), -ENOSYS);
    check("xen_version-extraversion-bad-ptr", HYPERVISOR_xen_version(XENVER_extraversion, (void *)BAD_PTR), -EFAULT);

    check("vcpu_op-bad-cmd", HYPERVISOR_vcpu_op(99, 0, NULL), -ENOSYS);
    check("vcpu_op-bad-vcpu", HYPERVISOR_vcpu_op(VCPUOP_is_up, 99, NULL), -ENOENT);

    check("arch_0-bad-subop", HYPERVISOR_arch_pv(99, 0, 0), -ENOSYS);
    check("arch_0-set-ttbr-misaligned", HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, (uint32_t)mm_l1_table() + 4, 0), -EINVAL);
    check("arch_0-set-ttbr-outside-ram", HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, 0x10000000u, 0), -EINVAL);
    check("arch_0-set-vectors-bad-ptr", HYPERVISOR_arch_pv(XENARM_PV_set_vectors, BAD_PTR, 0), -EFAULT);
    check("arch_0-return-bad-frame", HYPERVISOR_arch_pv(XENARM_PV_return, BAD_PTR, 0), -EFAULT);
    check("arch_0-tlb-flush-bad-kind", HYPERVISOR_arch_pv(XENARM_PV_tlb_flush, 9, 0), -EINVAL);
    static struct xenarm_trap_frame frame;
    frame.vmode = 2;
    check("arch_0-return-bad-vmode", HYPERVISOR_arch_pv(XENARM_PV_return, (uint32_t)&frame, 0), -EINVAL);
    ttbr_cases();
}

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* A random argument: small numbers, pointers into scratch or outside RAM, or anything. */
static uint32_t random_arg(void)
{
    switch (rng() % 4) {
    case 0: return rng() % 64;
    case 1: return (uint32_t)scratch + (rng() % (PAGE_SIZE - 64));
    case 2: return rng() & ~(GUEST_RAM_BASE); /* below RAM */
    default: {
        /* Anything but our own RAM outside scratch: a call that writes its result must not hit the kernel. */
        uint32_t v = rng();
        return v - GUEST_RAM_BASE < kernel_ram_size ? (uint32_t)scratch : v;
    }
    }
}

static int skipped(uint32_t nr, uint32_t a0)
{
    switch (nr) {
    case __HYPERVISOR_sched_op: return a0 == SCHEDOP_shutdown || a0 == SCHEDOP_block || a0 == SCHEDOP_poll ||
                                       a0 == SCHEDOP_shutdown_code || a0 == SCHEDOP_remote_shutdown;
    case __HYPERVISOR_arch_0: return a0 != XENARM_PV_tlb_flush;
    case __HYPERVISOR_console_io: return a0 == CONSOLEIO_write;
    case __HYPERVISOR_memory_op: return a0 == XENMEM_add_to_physmap || a0 == XENMEM_decrease_reservation ||
                                        a0 == XENMEM_remove_from_physmap || a0 == XENMEM_add_to_physmap_batch;
    case __HYPERVISOR_event_channel_op: return a0 == EVTCHNOP_reset || a0 == EVTCHNOP_close ||
                                               a0 == EVTCHNOP_init_control;
    case __HYPERVISOR_vcpu_op: return a0 == VCPUOP_down || a0 == VCPUOP_register_vcpu_info;
    default: return 0;
    }
}

static void random_cases(uint32_t seed, uint32_t count)
{
    rng_state = seed != 0 ? seed : 1;
    uint32_t calls = 0, refused = 0, accepted = 0;
    while (calls < count) {
        /* Fresh random bytes where the next arguments may point: a 64-byte slice per call (the whole page
         * every 64 calls), so 10^6 calls stay a matter of seconds. */
        uint32_t *slice = (uint32_t *)scratch + (calls % 64) * 16;
        for (uint32_t i = 0; i < 16; i++)
            slice[i] = rng();
        uint32_t nr = rng() % 64;
        uint32_t a0 = (nr == __HYPERVISOR_arch_0 || rng() % 2) ? rng() % 32 : random_arg();
        if (skipped(nr, a0))
            continue;
        long r = hypercall5(nr, a0, random_arg(), random_arg(), random_arg(), random_arg());
        calls++;
        if (r < 0)
            refused++;
        else
            accepted++;
    }
    kprintf("RANDOM seed=%u calls=%u refused=%u accepted=%u\n", (unsigned)seed, (unsigned)calls,
            (unsigned)refused, (unsigned)accepted);
}

int program_main(const char *cmdline)
{
    char value[24];
    uint32_t seed = 0, count = 1000;
    if (!fmt_has_word(cmdline, "random-only"))
        fixed_cases();
    if (fmt_arg(cmdline, "seed", value, sizeof value) == 0 && fmt_parse_u32(value, &seed) == 0) {
        if (fmt_arg(cmdline, "count", value, sizeof value) == 0)
            fmt_parse_u32(value, &count);
        random_cases(seed, count);
    }
    /* Still alive, and still working: a well-formed call succeeds. */
    long v = HYPERVISOR_xen_version(XENVER_version, NULL);
    kprintf("HCALL xen_version-after ret=0x%lx\n", v);
    if (failures != 0)
        kprintf("probe-hcall: %d calls were accepted\n", failures);
    return failures;
}
