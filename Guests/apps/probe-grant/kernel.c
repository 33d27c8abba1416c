/*
 * probe-grant: grant table checks. The guest grants pages of its own and has the hypervisor copy through
 * those grants with GNTTABOP_copy (a domain may copy through grants made to itself, as in Xen). Lines:
 *   GNTCOPY <case> rc=<n> status=<n>    status is the per-copy GNTST_* value
 * Cases: ok (the control: a grant to ourselves, copied and compared), wrong-domain (granted to domain 0,
 * copied by us), read-only-written (a read-only grant as copy destination), out-of-page (offset + length past
 * 4096), revoked (access ended before the copy), bad-ref (a reference past the table).
 * With export [wait=MS]: after the self cases, also grants a read-write, a read-only and a revoked page to domain 0, prints
 *   GRANT <rw|ro|revoked> ref=<r> gfn=0x<f> sum=0x<checksum>
 * stays alive MS ms (default 2000) for a Dom0 peer to try copies, then prints the checksums again.
 * RESULT ok when the control copy worked and every other case was refused.
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"
#include "string.h"

static uint8_t pages[4][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static int failures;

static uint32_t gfn(void *p) { return (uint32_t)p >> PAGE_SHIFT; }

static uint32_t checksum(const uint8_t *p)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < PAGE_SIZE; i++)
        s = s * 33u + p[i];
    return s;
}

/* Copy len bytes: from a grant ref (src_ref >= 0) or our own frame, into our frame or a grant ref. */
static int16_t copy(const char *name, int src_ref, void *src_page, int dst_ref, void *dst_page, uint16_t offset,
                    uint16_t len, int expect_ok)
{
    struct gnttab_copy op;
    memset(&op, 0, sizeof op);
    if (src_ref >= 0) {
        op.source.u.ref = (grant_ref_t)src_ref;
        op.source.domid = (domid_t)kernel_domid;
        op.flags |= GNTCOPY_source_gref;
    } else {
        op.source.u.gmfn = gfn(src_page);
        op.source.domid = DOMID_SELF;
    }
    if (dst_ref >= 0) {
        op.dest.u.ref = (grant_ref_t)dst_ref;
        op.dest.domid = (domid_t)kernel_domid;
        op.flags |= GNTCOPY_dest_gref;
    } else {
        op.dest.u.gmfn = gfn(dst_page);
        op.dest.domid = DOMID_SELF;
    }
    op.source.offset = offset;
    op.dest.offset = offset;
    op.len = len;
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1);
    kprintf("GNTCOPY %s rc=%ld status=%d\n", name, rc, (int)op.status);
    int ok = rc == 0 && op.status == GNTST_okay;
    if (ok != expect_ok)
        failures++;
    return op.status;
}

static void export(const char *cmdline)
{
    static const char *const names[3] = {"rw", "ro", "revoked"};
    int refs[3];
    for (int i = 0; i < 3; i++) {
        memset(pages[i], 0x40 + i, PAGE_SIZE);
        refs[i] = grant_access(0, gfn(pages[i]), i == 1);
    }
    grant_end_access((uint32_t)refs[2]);
    for (int i = 0; i < 3; i++)
        kprintf("GRANT %s ref=%d gfn=0x%x sum=0x%08x\n", names[i], refs[i], (unsigned)gfn(pages[i]),
                (unsigned)checksum(pages[i]));
    ksleep_ns((uint64_t)fmt_arg_u32(cmdline, "wait", 2000) * 1000000ull);
    for (int i = 0; i < 3; i++)
        kprintf("GRANT-AFTER %s ref=%d sum=0x%08x\n", names[i], refs[i], (unsigned)checksum(pages[i]));
}

int program_main(const char *cmdline)
{
    int rc = grant_init();
    kprintf("GNTTAB init rc=%d frames=%u\n", rc, (unsigned)grant_nr_frames);
    if (rc != 0)
        return 1;
    uint32_t self = kernel_domid;
    for (uint32_t i = 0; i < PAGE_SIZE; i++)
        pages[0][i] = (uint8_t)(i * 7 + 1);
    memset(pages[1], 0, PAGE_SIZE);

    int mine = grant_access((domid_t)self, gfn(pages[0]), 0);
    copy("ok", mine, NULL, -1, pages[1], 128, 256, 1);
    if (memcmp(pages[0] + 128, pages[1] + 128, 256) != 0 || pages[1][127] != 0 || pages[1][384] != 0) {
        kprintf("GNTCOPY ok data-mismatch\n");
        failures++;
    }
    int dom0 = grant_access(0, gfn(pages[0]), 0);
    copy("wrong-domain", dom0, NULL, -1, pages[1], 0, 64, 0);
    int ro = grant_access((domid_t)self, gfn(pages[2]), 1);
    memset(pages[2], 0x5a, PAGE_SIZE);
    copy("read-only-written", -1, pages[0], ro, NULL, 0, 64, 0);
    if (pages[2][0] != 0x5a) {
        kprintf("GNTCOPY read-only-written data-changed\n");
        failures++;
    }
    copy("out-of-page", mine, NULL, -1, pages[1], 4000, 200, 0);
    int revoked = grant_access((domid_t)self, gfn(pages[3]), 0);
    grant_end_access((uint32_t)revoked);
    copy("revoked", revoked, NULL, -1, pages[1], 0, 64, 0);
    copy("bad-ref", 0x7fffffff, NULL, -1, pages[1], 0, 64, 0);
    if (fmt_has_word(cmdline, "export"))
        export(cmdline);
    return failures;
}
