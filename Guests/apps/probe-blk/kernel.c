/*
 * probe-blk: a hostile block frontend (issue 7 "malformed requests"). It connects disk 0 with blkfront, then speaks
 * the ring itself in virtual kernel mode (blkfront_set_raw) with one malformed request per case, each waited for
 * (up to 5 s) and printed as `PROBE-BLK <case> status=<blkif status>` (`status=none` when no response came):
 *   bad-op            operation 99                       past-end       first sector = the disk's size
 *   straddle-end      8 sectors from size - 4            nseg-0         a read with nr_segments 0
 *   nseg-12           nr_segments 12 (one past the max)  first-gt-last  first_sect 3, last_sect 1
 *   last-gt-7         last_sect 8                        gref-range     gref 0x7fffffff (past the table)
 *   gref-revoked      a ref whose access was ended       gref-foreign   a ref granted to another domain
 *   ro-for-read       a ref granted read-only, for a read (the backend must write the page)
 * then `good-raw` (a valid read on the same ring: the backend carried on), then `req-prod-overflow`: req_prod pushed
 * 1000 past the ring, notified; no response is expected (the backend stops the ring). Then the frontend reconnects
 * (FE/state 1, contract "Changes") and `good`: a write and read-back of 8 self-describing sectors through blkfront,
 * which must succeed. RESULT ok when every malformed case got a non-zero status, good-raw and good got 0.
 * Command line: wait=S (seconds to wait for the backend, default 60).
 */
#include "kernel.h"
#include "hypercall.h"
#include "fmt.h"
#include "string.h"
#include "blkpattern.h"
#include "guest-syscall.h"

#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#include <xen/io/blkif.h>

#define STATUS_NONE 1000

static uint8_t pages[3][PAGE_SIZE] ALIGNED(4096);
static blkif_front_ring_t *ring;
static uint32_t port, backend;
static uint64_t next_id = 1000;
static int failures;

static uint32_t gfn(const void *p) { return (uint32_t)p >> PAGE_SHIFT; }

/* Puts REQ on the ring (its id set here), notifies, waits for its response; returns its status or STATUS_NONE. */
static int exchange(blkif_request_t *req)
{
    req->id = next_id++;
    *RING_GET_REQUEST(ring, ring->req_prod_pvt) = *req;
    ring->req_prod_pvt++;
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(ring, notify);
    evtchn_send(port); /* always: a hostile frontend does not rely on req_event */
    (void)notify;
    uint64_t deadline = time_now_ns() + 5000000000ull;
    while (time_now_ns() < deadline) {
        RING_IDX prod = ring->sring->rsp_prod;
        xen_rmb();
        if (prod - ring->rsp_cons > RING_SIZE(ring))
            return STATUS_NONE; /* garbage indices from the backend */
        while (ring->rsp_cons != prod) {
            struct blkif_response rsp = *RING_GET_RESPONSE(ring, ring->rsp_cons);
            ring->rsp_cons++;
            if (rsp.id == req->id)
                return rsp.status;
            kprintf("PROBE-BLK stray response id=%llu status=%d\n", (unsigned long long)rsp.id, (int)rsp.status);
        }
        ksleep_ns(1000000ull);
    }
    return STATUS_NONE;
}

static blkif_request_t read_request(uint64_t sector, uint32_t gref)
{
    blkif_request_t r;
    memset(&r, 0, sizeof r);
    r.operation = BLKIF_OP_READ;
    r.nr_segments = 1;
    r.sector_number = sector;
    r.seg[0].gref = gref;
    r.seg[0].first_sect = 0;
    r.seg[0].last_sect = 7;
    return r;
}

static void malformed(const char *name, blkif_request_t *req)
{
    int status = exchange(req);
    if (status == STATUS_NONE)
        kprintf("PROBE-BLK %s status=none\n", name);
    else
        kprintf("PROBE-BLK %s status=%d\n", name, status);
    if (status == BLKIF_RSP_OKAY || status == STATUS_NONE)
        failures++;
}

int program_main(const char *cmdline)
{
    if (blkfront_init() <= 0)
        return 1;
    uint32_t wait = fmt_arg_u32(cmdline, "wait", 60);
    if (blkfront_wait_connected((uint64_t)wait * 1000000000ull) != 0) {
        kprintf("PROBE-BLK backend not connected\n");
        return 1;
    }
    struct guest_blk_info info;
    blkfront_info(0, &info);
    ring = blkfront_raw_ring(0, &port, &backend);
    blkfront_set_raw(0, 1);

    int rw = grant_access((domid_t)backend, gfn(pages[0]), 0);
    int ro = grant_access((domid_t)backend, gfn(pages[1]), 1);
    int revoked = grant_access((domid_t)backend, gfn(pages[2]), 0);
    grant_end_access((uint32_t)revoked);
    int foreign = grant_access((domid_t)(kernel_domid + 100), gfn(pages[2]), 0);
    if (rw < 0 || ro < 0 || revoked < 0 || foreign < 0) {
        kprintf("PROBE-BLK grants failed\n");
        return 1;
    }

    blkif_request_t r = read_request(0, (uint32_t)rw);
    r.operation = 99;
    malformed("bad-op", &r);
    r = read_request(info.sectors, (uint32_t)rw);
    malformed("past-end", &r);
    r = read_request(info.sectors - 4, (uint32_t)rw);
    malformed("straddle-end", &r);
    r = read_request(0, (uint32_t)rw);
    r.nr_segments = 0;
    malformed("nseg-0", &r);
    r = read_request(0, (uint32_t)rw);
    r.nr_segments = 12; /* seg[11] would be the next slot's bytes: the backend must refuse before reading it */
    for (int i = 1; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        r.seg[i] = r.seg[0];
    malformed("nseg-12", &r);
    r = read_request(0, (uint32_t)rw);
    r.seg[0].first_sect = 3;
    r.seg[0].last_sect = 1;
    malformed("first-gt-last", &r);
    r = read_request(0, (uint32_t)rw);
    r.seg[0].last_sect = 8;
    malformed("last-gt-7", &r);
    r = read_request(0, 0x7fffffffu);
    malformed("gref-range", &r);
    r = read_request(0, (uint32_t)revoked);
    malformed("gref-revoked", &r);
    r = read_request(0, (uint32_t)foreign);
    malformed("gref-foreign", &r);
    r = read_request(0, (uint32_t)ro);
    malformed("ro-for-read", &r);

    r = read_request(0, (uint32_t)rw);
    int status = exchange(&r);
    kprintf("PROBE-BLK good-raw status=%d\n", status == STATUS_NONE ? -1000 : status);
    if (status != BLKIF_RSP_OKAY)
        failures++;

    /* Indices no frontend may publish: 1000 requests "produced" on a 32-slot ring. */
    ring->sring->req_prod = ring->req_prod_pvt + 1000;
    xen_mb();
    evtchn_send(port);
    ksleep_ns(1000000000ull);
    RING_IDX prod = ring->sring->rsp_prod;
    kprintf("PROBE-BLK req-prod-overflow status=%s\n", prod == ring->rsp_cons ? "none" : "answered");

    blkfront_set_raw(0, 0);
    grant_end_access((uint32_t)rw);
    grant_end_access((uint32_t)ro);
    grant_end_access((uint32_t)foreign);
    if (blkfront_reconnect(0) != 0 || blkfront_wait_connected((uint64_t)wait * 1000000000ull) != 0) {
        kprintf("PROBE-BLK good status=reconnect-failed\n");
        return 1;
    }
    for (uint32_t i = 0; i < 8; i++)
        blkpattern_fill(pages[0] + i * 512, 7, i);
    int rc = blkfront_kernel_io(BLKIF_OP_WRITE, 0, 0, pages[0], PAGE_SIZE);
    memset(pages[1], 0, PAGE_SIZE);
    if (rc == 0)
        rc = blkfront_kernel_io(BLKIF_OP_READ, 0, 0, pages[1], PAGE_SIZE);
    if (rc == 0 && memcmp(pages[0], pages[1], PAGE_SIZE) != 0)
        rc = -EIO;
    kprintf("PROBE-BLK good status=%d\n", rc);
    if (rc != 0)
        failures++;
    return failures;
}
