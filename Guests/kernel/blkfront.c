/*
 * blkfront: the guest's block frontend, Xen's blkif protocol (xen/io/blkif.h on one xen/io/ring.h page per disk),
 * the guest half of the contract in docs/block.md.
 *
 * Discovery and handshake: every device/vbd/<id> in the domain's xenstore home is a disk. We watch its backend's
 * state; at InitWait (2) we grant the ring page to the backend domain, offer it an unbound port (once: the same port
 * and ring-ref serve every later connection), write ring-ref, event-channel, protocol and state 3; at Connected (4)
 * we read the disk's size and features and write state 4.
 *
 * Requests: a system call (or blkfront_kernel_io) becomes an `io` queued on its disk; the pump cuts it into ring
 * requests of up to 11 segments, grants each data page (the user buffer itself when it is 512-byte aligned, kernel
 * bounce pages otherwise) and keeps a shadow copy of every request in flight with its submission order. Responses
 * are taken in the event handler; grants end after the response. Two rules keep re-issuing correct: requests are put
 * on the ring in queue order, and a request overlapping an in-flight one where either writes (a flush counts as
 * overlapping every write) waits for the earlier one's answer.
 *
 * Restart (contract "Restart", DESIGN.md §5): when the backend leaves Connected we stop issuing, re-initialise the
 * ring (its content cannot be trusted: a response overwrites its request's slot), redo the handshake, and once
 * Connected again re-issue every shadow without a response in submission order. A backend that goes Closing (5) or
 * Closed (6) is asked to start over with FE/state = 1. A request unanswered for 30 s since
 * its first issue completes with -EIO (the backend crash-looped and was given up).
 *
 * The backend is not trusted: a response id that is not in flight, or rsp_prod past req_prod, is counted, printed
 * once and ignored. xenstore work (watch events, reads, writes) never runs in an event handler: the handler only
 * consumes responses; blkfront_service, called by the scheduler, does the rest.
 */
#include "kernel.h"
#include "hypercall.h"
#include "xenstore.h"
#include "string.h"
#include "fmt.h"
#include "guest-syscall.h"

#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>
#include <xen/io/protocols.h>
#include <xen/io/xs_wire.h>

#define SLOTS 32
#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define SECTOR 512u
#define SECTORS_PER_PAGE (PAGE_SIZE / SECTOR)
#define MAX_IOS 12
#define BOUNCE_PAGES 16
#define STALL_POLL_NS 200000000ull   /* a request unanswered this long: re-read the backend's state */
#define WAIT_POLL_NS 500000000ull    /* while disconnected: re-read it this often (a lost watch must not hang us) */
#define XS_POLL_TIMEOUT_NS 2000000000ull
#define SERVICE_NS 50000000ull       /* deadlines and polls are looked at this often at least */

_Static_assert(__CONST_RING_SIZE(blkif, PAGE_SIZE) == SLOTS, "one blkif ring page holds 32 requests");
_Static_assert(sizeof(struct blkif_request) == 112, "blkif_request, ARM EABI layout");
_Static_assert(offsetof(struct blkif_request, id) == 8 && offsetof(struct blkif_request, sector_number) == 16,
               "blkif_request id and sector are 8-byte aligned (arm-abi)");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif_response");
_Static_assert(sizeof(struct guest_blk_io) == 24 && sizeof(struct guest_blk_info) == 16, "syscall blocks");

enum phase { WAIT_BACKEND, INITIALISED, CONNECTED };

struct io {
    int in_use;
    int task;          /* task to wake, or -1 for a kernel caller (done) */
    uint32_t disk, op;
    uint64_t sector;   /* next sector to submit */
    uint32_t buffer;   /* next byte of the buffer to submit */
    uint32_t left;     /* bytes not yet submitted (flush: 1 until submitted) */
    uint32_t outstanding;
    int32_t status;
    uint64_t progress_ns; /* last submission or answer: an io that cannot submit for 30 s fails */
    volatile int done;
    struct io *next;   /* submission queue of its disk */
};

struct shadow {
    int in_use;
    uint64_t seq;        /* submission order */
    uint64_t issued_ns;  /* first issue: the deadline counts from here across reconnections */
    blkif_request_t req; /* re-issued verbatim after a reconnection */
    struct io *io;
    uint64_t first, count; /* sectors covered, for the overlap rule */
    int writes;          /* write, discard or flush */
    uint8_t nseg;
    uint8_t bounce[SEGS]; /* bounce page + 1 per segment, 0 = the caller's page */
    uint32_t user, bytes; /* the caller's bytes behind a bounced request */
};

struct disk {
    uint32_t vdev;
    char fe[40];  /* device/vbd/<id>, relative to our home */
    char be[96];  /* the backend's directory */
    domid_t backend_id;
    enum phase phase;
    int ever_connected, raw, check, asked_restart;
    uint64_t next_poll_ns;
    blkif_sring_t *sring;
    blkif_front_ring_t front;
    uint32_t ring_ref, port;
    uint64_t sectors;
    uint32_t sector_size, info;
    int flush, discard;
    struct shadow shadow[SLOTS];
    uint64_t next_seq;
    uint32_t next_gen;
    struct io *head, *tail;
    int said_bad_id, said_bad_index;
    struct blkfront_stats stats;
};

static struct disk disks[BLKFRONT_MAX_DISKS];
static int ndisks;
static struct io ios[MAX_IOS];
static uint8_t ring_pages[BLKFRONT_MAX_DISKS][PAGE_SIZE] ALIGNED(4096);
static uint8_t bounce[BOUNCE_PAGES][PAGE_SIZE] ALIGNED(4096);
static uint8_t bounce_used[BOUNCE_PAGES];
static int in_service;
static int xs_used;              /* we made xenstore requests since the last full service pass */
static uint64_t next_service_ns; /* the next full pass even if nothing asks for one */
static int ios_active;           /* calls queued or in flight */

static int user_buffer_ok(uint32_t addr, uint32_t len)
{
    return addr >= user_window_start && addr <= user_window_end && len <= user_window_end - addr;
}

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (0xffffffffffffffffull - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* A node of the backend directory as a number; FALLBACK when absent or malformed. */
static uint64_t backend_u64(struct disk *d, const char *node, uint64_t fallback)
{
    char path[128], value[32];
    uint64_t v;
    fmt_format(path, sizeof path, "%s/%s", d->be, node);
    if (xs_read(path, value, sizeof value) < 0 || parse_u64(value, &v) != 0)
        return fallback;
    return v;
}

static int frontend_write(struct disk *d, const char *node, const char *value)
{
    char path[80];
    fmt_format(path, sizeof path, "%s/%s", d->fe, node);
    int rc = xs_write(path, value);
    if (rc != 0)
        kprintf("BLKFRONT vbd=%u write %s failed: %s\n", (unsigned)d->vdev, node, xs_error_name(rc));
    return rc;
}

/* ---- completion ---- */

static void io_finish_if_done(struct io *io)
{
    if (io->left != 0 || io->outstanding != 0)
        return;
    io->in_use = 0;
    io->done = 1;
    ios_active--;
    if (io->task >= 0)
        task_complete(io->task, io->status);
}

static int32_t status_errno(int16_t status)
{
    return status == BLKIF_RSP_OKAY ? 0 : status == BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
}

/* Ends a request: its grants, its bounce pages (copied back for a good read), its shadow; the io learns STATUS. */
static void shadow_finish(struct disk *d, struct shadow *s, int32_t status)
{
    for (uint32_t i = 0; i < s->nseg; i++)
        grant_end_access(s->req.seg[i].gref);
    if (s->req.operation == BLKIF_OP_READ && status == 0 && s->nseg > 0 && s->bounce[0] != 0)
        for (uint32_t i = 0, done = 0; i < s->nseg; i++, done += PAGE_SIZE)
            memcpy((void *)(s->user + done), bounce[s->bounce[i] - 1],
                   s->bytes - done < PAGE_SIZE ? s->bytes - done : PAGE_SIZE);
    for (uint32_t i = 0; i < s->nseg; i++)
        if (s->bounce[i] != 0)
            bounce_used[s->bounce[i] - 1] = 0;
    struct io *io = s->io;
    s->in_use = 0;
    if (status != 0 && io->status == 0)
        io->status = status;
    io->outstanding--;
    io->progress_ns = time_now_ns();
    io_finish_if_done(io);
}

/* Consumes the responses the backend published; called from the event handler (and before a reconnection). */
static void take_responses(struct disk *d)
{
    if (d->raw || d->sring == NULL)
        return;
    for (;;) {
        RING_IDX prod = d->sring->rsp_prod;
        xen_rmb();
        RING_IDX cons = d->front.rsp_cons;
        if (prod - cons > d->front.req_prod_pvt - cons) {
            d->stats.bad_indices++;
            if (!d->said_bad_index)
                kprintf("BLKFRONT vbd=%u backend rsp_prod=%u past req_prod=%u: ignored\n", (unsigned)d->vdev,
                        (unsigned)prod, (unsigned)d->front.req_prod_pvt);
            d->said_bad_index = 1;
            return;
        }
        for (; cons != prod; cons++) {
            struct blkif_response rsp = *RING_GET_RESPONSE(&d->front, cons);
            uint32_t slot = (uint32_t)(rsp.id & 0xff);
            struct shadow *s = slot < SLOTS ? &d->shadow[slot] : NULL;
            if (s == NULL || !s->in_use || s->req.id != rsp.id) {
                d->stats.bad_ids++;
                if (!d->said_bad_id)
                    kprintf("BLKFRONT vbd=%u response id=0x%llx not in flight: ignored\n", (unsigned)d->vdev,
                            (unsigned long long)rsp.id);
                d->said_bad_id = 1;
                continue;
            }
            d->stats.responses++;
            shadow_finish(d, s, status_errno(rsp.status));
        }
        d->front.rsp_cons = cons;
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&d->front, more);
        if (!more)
            return;
    }
}

/* ---- submission ---- */

static int overlaps(struct disk *d, uint64_t first, uint64_t count, int writes, int flush)
{
    for (uint32_t i = 0; i < SLOTS; i++) {
        struct shadow *s = &d->shadow[i];
        if (!s->in_use)
            continue;
        /* A flush covers every write before it, and no write overtakes it; reads pass it freely. */
        if (flush || s->req.operation == BLKIF_OP_FLUSH_DISKCACHE) {
            if (flush ? s->writes : writes)
                return 1;
            continue;
        }
        if ((writes || s->writes) && first < s->first + s->count && s->first < first + count)
            return 1;
    }
    return 0;
}

static struct shadow *free_shadow(struct disk *d)
{
    for (uint32_t i = 0; i < SLOTS; i++)
        if (!d->shadow[i].in_use)
            return &d->shadow[i];
    return NULL;
}

static int take_bounce(void)
{
    for (int i = 0; i < BOUNCE_PAGES; i++)
        if (!bounce_used[i]) {
            bounce_used[i] = 1;
            return i;
        }
    return -1;
}

/* Builds the next ring request of IO into a free shadow; 0 when it is on the ring, 1 when it must wait. */
static int submit_one(struct disk *d, struct io *io)
{
    if (RING_FULL(&d->front))
        return 1;
    struct shadow *s = free_shadow(d);
    if (s == NULL)
        return 1;
    uint32_t slot = (uint32_t)(s - d->shadow);
    memset(s, 0, sizeof *s);
    blkif_request_t *r = &s->req;
    r->operation = (uint8_t)io->op;
    r->handle = (blkif_vdev_t)d->vdev;
    r->sector_number = io->sector;
    uint32_t bytes = 0;
    if (io->op == BLKIF_OP_FLUSH_DISKCACHE) {
        if (overlaps(d, 0, 0, 1, 1))
            return 1;
        s->writes = 1;
    } else if (io->op == BLKIF_OP_DISCARD) {
        blkif_request_discard_t *dr = (blkif_request_discard_t *)r;
        bytes = io->left;
        dr->nr_sectors = bytes / SECTOR;
        s->first = io->sector;
        s->count = dr->nr_sectors;
        s->writes = 1;
        if (overlaps(d, s->first, s->count, 1, 0))
            return 1;
    } else {
        int writes = io->op == BLKIF_OP_WRITE;
        int direct = (io->buffer & (SECTOR - 1)) == 0;
        uint32_t addr = io->buffer;
        if (direct) {
            /* The caller's pages themselves: segment i is the part of page i the request covers. */
            for (; bytes < io->left && r->nr_segments < SEGS; r->nr_segments++) {
                uint32_t in_page = PAGE_SIZE - ((addr + bytes) & (PAGE_SIZE - 1));
                uint32_t n = io->left - bytes < in_page ? io->left - bytes : in_page;
                r->seg[r->nr_segments].first_sect = (uint8_t)(((addr + bytes) & (PAGE_SIZE - 1)) / SECTOR);
                r->seg[r->nr_segments].last_sect = (uint8_t)(r->seg[r->nr_segments].first_sect + n / SECTOR - 1);
                bytes += n;
            }
        } else {
            bytes = io->left < SEGS * PAGE_SIZE ? io->left : SEGS * PAGE_SIZE;
            r->nr_segments = (uint8_t)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
            for (uint32_t i = 0; i < r->nr_segments; i++) {
                uint32_t n = bytes - i * PAGE_SIZE < PAGE_SIZE ? bytes - i * PAGE_SIZE : PAGE_SIZE;
                r->seg[i].first_sect = 0;
                r->seg[i].last_sect = (uint8_t)(n / SECTOR - 1);
            }
            s->user = addr;
            s->bytes = bytes;
        }
        s->first = io->sector;
        s->count = bytes / SECTOR;
        s->writes = writes;
        if (overlaps(d, s->first, s->count, writes, 0))
            return 1;
        for (uint32_t i = 0; i < r->nr_segments; i++) {
            uint32_t page;
            if (direct) {
                page = (addr & ~(PAGE_SIZE - 1)) + i * PAGE_SIZE;
            } else {
                int b = take_bounce();
                if (b < 0)
                    goto undo;
                s->bounce[i] = (uint8_t)(b + 1);
                page = (uint32_t)bounce[b];
                if (writes)
                    memcpy(bounce[b], (const void *)(addr + i * PAGE_SIZE),
                           bytes - i * PAGE_SIZE < PAGE_SIZE ? bytes - i * PAGE_SIZE : PAGE_SIZE);
            }
            int ref = grant_access(d->backend_id, page >> PAGE_SHIFT, writes);
            if (ref < 0)
                goto undo;
            r->seg[i].gref = (grant_ref_t)ref;
            s->nseg = (uint8_t)(i + 1);
        }
    }
    r->id = ((uint64_t)++d->next_gen << 8) | slot;
    s->in_use = 1;
    s->io = io;
    s->seq = ++d->next_seq;
    s->issued_ns = time_now_ns();
    *RING_GET_REQUEST(&d->front, d->front.req_prod_pvt) = *r;
    d->front.req_prod_pvt++;
    d->stats.requests++;
    io->outstanding++;
    io->sector += bytes / SECTOR;
    io->buffer += bytes;
    io->left = io->op == BLKIF_OP_FLUSH_DISKCACHE ? 0 : io->left - bytes;
    io->progress_ns = s->issued_ns;
    return 0;
undo:
    /* Out of grant refs or bounce pages: give back what this request took; answers of others will free some. */
    for (uint32_t i = 0; i < SEGS; i++) {
        if (i < s->nseg)
            grant_end_access(r->seg[i].gref);
        if (s->bounce[i] != 0)
            bounce_used[s->bounce[i] - 1] = 0;
    }
    memset(s, 0, sizeof *s);
    return 1;
}

static void push(struct disk *d)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->front, notify);
    if (notify)
        evtchn_send(d->port);
}

/* Puts queued work on the ring, in queue order, while there is room and no overlap forbids it. */
static void pump(struct disk *d)
{
    if (d->phase != CONNECTED || d->raw)
        return;
    RING_IDX before = d->front.req_prod_pvt;
    while (d->head != NULL) {
        struct io *io = d->head;
        while (io->left != 0)
            if (submit_one(d, io) != 0)
                goto out;
        d->head = io->next;
        if (d->head == NULL)
            d->tail = NULL;
    }
out:
    if (d->front.req_prod_pvt != before)
        push(d);
}

static void on_ring_event(uint32_t port, void *arg)
{
    struct disk *d = arg;
    if (d->phase != CONNECTED)
        return; /* the ring is being re-initialised: what is on it now cannot be trusted */
    take_responses(d);
    pump(d);
}

/* ---- handshake and reconnection (blkfront_service only: these talk to xenstore) ---- */

static int initialise(struct disk *d)
{
    /* Indices 0, whatever a previous backend left: the shadows, not the ring, say what is still owed. */
    SHARED_RING_INIT(d->sring);
    FRONT_RING_INIT(&d->front, d->sring, PAGE_SIZE);
    char value[16];
    fmt_format(value, sizeof value, "%u", (unsigned)d->ring_ref);
    int rc = frontend_write(d, "ring-ref", value);
    fmt_format(value, sizeof value, "%u", (unsigned)d->port);
    if (rc == 0)
        rc = frontend_write(d, "event-channel", value);
    if (rc == 0)
        rc = frontend_write(d, "protocol", XEN_IO_PROTO_ABI_ARM);
    if (rc == 0)
        rc = frontend_write(d, "state", "3");
    if (rc == 0)
        d->phase = INITIALISED;
    return rc;
}

/* Every shadow without a response goes back on the fresh ring, oldest submission first. */
static void reissue(struct disk *d)
{
    uint32_t count = 0;
    uint64_t last = 0;
    for (;;) {
        struct shadow *next = NULL;
        for (uint32_t i = 0; i < SLOTS; i++) {
            struct shadow *s = &d->shadow[i];
            if (s->in_use && s->seq > last && (next == NULL || s->seq < next->seq))
                next = s;
        }
        if (next == NULL)
            break;
        *RING_GET_REQUEST(&d->front, d->front.req_prod_pvt) = next->req;
        d->front.req_prod_pvt++;
        last = next->seq;
        count++;
    }
    d->stats.reissued += count;
    if (count > 0)
        push(d);
    kprintf("BLKFRONT vbd=%u connected sectors=%llu sector-size=%u info=%u flush=%d discard=%d connection=%u "
            "reissued=%u\n", (unsigned)d->vdev, (unsigned long long)d->sectors, (unsigned)d->sector_size,
            (unsigned)d->info, d->flush, d->discard, (unsigned)d->stats.connections, (unsigned)count);
}

static void connect(struct disk *d)
{
    uint64_t sectors = backend_u64(d, "sectors", 0), size = backend_u64(d, "sector-size", SECTOR);
    if (sectors == 0 || size != SECTOR) {
        kprintf("BLKFRONT vbd=%u backend offers sectors=%llu sector-size=%llu: not usable\n", (unsigned)d->vdev,
                (unsigned long long)sectors, (unsigned long long)size);
        return;
    }
    if (d->ever_connected && sectors != d->sectors)
        kprintf("BLKFRONT vbd=%u size changed across reconnection: %llu -> %llu\n", (unsigned)d->vdev,
                (unsigned long long)d->sectors, (unsigned long long)sectors);
    d->sectors = sectors;
    d->sector_size = (uint32_t)size;
    d->info = (uint32_t)backend_u64(d, "info", 0);
    d->flush = backend_u64(d, "feature-flush-cache", 0) == 1;
    d->discard = backend_u64(d, "feature-discard", 0) == 1;
    if (frontend_write(d, "state", "4") != 0)
        return;
    d->phase = CONNECTED;
    d->ever_connected = 1;
    d->stats.connections++;
    reissue(d);
    pump(d);
}

static void check_backend(struct disk *d)
{
    xs_used = 1;
    char path[128], value[16];
    fmt_format(path, sizeof path, "%s/state", d->be);
    uint64_t saved = xs_timeout_ns;
    xs_timeout_ns = XS_POLL_TIMEOUT_NS; /* xenstored restarting: try again later rather than stall the kernel */
    int rc = xs_read(path, value, sizeof value);
    xs_timeout_ns = saved;
    uint64_t state;
    if (rc == -ENOENT)
        state = XenbusStateUnknown;
    else if (rc < 0 || parse_u64(value, &state) != 0)
        return;
    if (d->phase == CONNECTED) {
        if (state == XenbusStateConnected)
            return;
        take_responses(d); /* what the old backend answered before it went still counts */
        d->phase = WAIT_BACKEND;
        uint32_t owed = 0;
        for (uint32_t i = 0; i < SLOTS; i++)
            owed += d->shadow[i].in_use ? 1u : 0u;
        kprintf("BLKFRONT vbd=%u backend left Connected (state %u): %u requests to re-issue\n", (unsigned)d->vdev,
                (unsigned)state, (unsigned)owed);
    }
    if (d->phase == INITIALISED) {
        if (state == XenbusStateConnected) {
            connect(d);
            return;
        }
        if (state == XenbusStateInitWait)
            return;
        d->phase = WAIT_BACKEND;
    }
    /* WAIT_BACKEND */
    if (state == XenbusStateInitWait) {
        d->asked_restart = 0;
        initialise(d);
    } else if ((state == XenbusStateClosing || state == XenbusStateClosed) && !d->asked_restart) {
        /* The backend gave up on this connection (nodes it refused, contract "Changes"): start over, once per
         * episode; its InitWait brings us back through initialise. */
        if (frontend_write(d, "state", "1") == 0)
            d->asked_restart = 1;
    }
}

static int all_connected(void)
{
    for (int i = 0; i < ndisks; i++)
        if (disks[i].phase != CONNECTED)
            return 0;
    return 1;
}

static int checks_pending(void)
{
    for (int i = 0; i < ndisks; i++)
        if (disks[i].check)
            return 1;
    return 0;
}

static void expire(struct disk *d, uint64_t now)
{
    for (uint32_t i = 0; i < SLOTS; i++) {
        struct shadow *s = &d->shadow[i];
        if (s->in_use && now - s->issued_ns >= BLKFRONT_DEADLINE_NS) {
            d->stats.timeouts++;
            kprintf("BLKFRONT vbd=%u request sector=%llu op=%u unanswered for 30 s: -EIO\n", (unsigned)d->vdev,
                    (unsigned long long)s->req.sector_number, (unsigned)s->req.operation);
            shadow_finish(d, s, -EIO);
        }
    }
    struct io **link = &d->head, *prev = NULL;
    while (*link != NULL) {
        struct io *io = *link;
        if (now - io->progress_ns >= BLKFRONT_DEADLINE_NS) {
            d->stats.timeouts++;
            kprintf("BLKFRONT vbd=%u request sector=%llu op=%u not issued for 30 s: -EIO\n", (unsigned)d->vdev,
                    (unsigned long long)io->sector, (unsigned)io->op);
            *link = io->next;
            if (d->tail == io)
                d->tail = prev;
            io->left = 0;
            if (io->status == 0)
                io->status = -EIO;
            io_finish_if_done(io);
            continue;
        }
        prev = io;
        link = &io->next;
    }
}

static int busy(struct disk *d)
{
    if (d->head != NULL)
        return 1;
    for (uint32_t i = 0; i < SLOTS; i++)
        if (d->shadow[i].in_use)
            return 1;
    return 0;
}

/* The scheduler calls this before every task switch: it must cost next to nothing when there is nothing to do.
 * Full passes run when the xenstore ring has unread bytes (a watch event), after our own xenstore requests (their
 * replies may have carried events the client queued), when a disk asked for a check, or every SERVICE_NS. */
void blkfront_service(void)
{
    if (ndisks == 0 || in_service)
        return;
    struct xenstore_domain_interface *ring = xs_ring();
    int store_bytes = ring != NULL && __atomic_load_n(&ring->rsp_prod, __ATOMIC_SEQ_CST) != ring->rsp_cons;
    uint64_t start = time_now_ns();
    if (!store_bytes && !xs_used && !checks_pending() && start < next_service_ns) {
        if (ios_active > 0 || !all_connected())
            time_set_deadline(next_service_ns); /* the pass that looks at deadlines and polls must come */
        return;
    }
    in_service = 1;
    xs_used = 0;
    next_service_ns = start + SERVICE_NS;
    /* Watch events: the backend's state changed (or the initial event of a new watch). */
    for (;;) {
        char path[128], token[16];
        if (ring == NULL || xs_read_watch(path, sizeof path, token, sizeof token, 0) != 0)
            break;
        uint32_t n;
        if (memcmp(token, "blk", 3) == 0 && fmt_parse_u32(token + 3, &n) == 0 && n < (uint32_t)ndisks)
            disks[n].check = 1;
    }
    uint64_t now = time_now_ns(), wake = 0;
    for (int i = 0; i < ndisks; i++) {
        struct disk *d = &disks[i];
        /* Polls cover what a watch can miss (xenstored forgets guests' watches when it restarts). */
        if (now >= d->next_poll_ns) {
            if (d->phase != CONNECTED) {
                d->check = 1;
                d->next_poll_ns = now + WAIT_POLL_NS;
            } else {
                for (uint32_t k = 0; k < SLOTS; k++)
                    if (d->shadow[k].in_use && now - d->shadow[k].issued_ns >= STALL_POLL_NS) {
                        d->check = 1;
                        d->next_poll_ns = now + STALL_POLL_NS;
                        break;
                    }
            }
        }
        if (d->check) {
            d->check = 0;
            check_backend(d);
            now = time_now_ns();
        }
        expire(d, now);
        if (busy(d) || d->phase != CONNECTED) {
            uint64_t next = d->next_poll_ns > now ? d->next_poll_ns : now + STALL_POLL_NS;
            if (wake == 0 || next < wake)
                wake = next;
        }
    }
    if (wake != 0)
        time_set_deadline(wake);
    in_service = 0;
}

/* ---- setup and the callers' API ---- */

int blkfront_init(void)
{
    if (ndisks > 0)
        return ndisks;
    int rc = grant_nr_frames == 0 ? grant_init() : 0;
    if (rc == 0 && xs_ring() == NULL)
        rc = xs_init();
    if (rc != 0) {
        kprintf("BLKFRONT init failed: %d\n", rc);
        return rc;
    }
    char names[256];
    int count = xs_directory("device/vbd", names, sizeof names);
    if (count < 0) {
        kprintf("BLKFRONT no device/vbd: %s\n", xs_error_name(count));
        return count == -ENOENT ? 0 : count;
    }
    for (int i = 0, at = 0; i < count && ndisks < BLKFRONT_MAX_DISKS; i++) {
        const char *name = names + at;
        at += (int)strlen(name) + 1;
        struct disk *d = &disks[ndisks];
        memset(d, 0, sizeof *d);
        if (fmt_parse_u32(name, &d->vdev) != 0)
            continue;
        fmt_format(d->fe, sizeof d->fe, "device/vbd/%s", name);
        char path[80], value[32];
        fmt_format(path, sizeof path, "%s/backend", d->fe);
        if (xs_read(path, d->be, sizeof d->be) < 0) {
            kprintf("BLKFRONT vbd=%s has no backend node\n", name);
            continue;
        }
        fmt_format(path, sizeof path, "%s/backend-id", d->fe);
        uint32_t id;
        if (xs_read(path, value, sizeof value) < 0 || fmt_parse_u32(value, &id) != 0 || id > 0x7ff0) {
            kprintf("BLKFRONT vbd=%s has no usable backend-id\n", name);
            continue;
        }
        d->backend_id = (domid_t)id;
        d->sring = (blkif_sring_t *)ring_pages[ndisks];
        SHARED_RING_INIT(d->sring);
        FRONT_RING_INIT(&d->front, d->sring, PAGE_SIZE);
        rc = grant_access(d->backend_id, (uint32_t)d->sring >> PAGE_SHIFT, 0);
        if (rc < 0) {
            kprintf("BLKFRONT vbd=%s cannot grant its ring: %d\n", name, rc);
            continue;
        }
        d->ring_ref = (uint32_t)rc;
        rc = evtchn_alloc_unbound(d->backend_id, &d->port);
        if (rc == 0)
            rc = events_bind(d->port, on_ring_event, d);
        if (rc != 0) {
            kprintf("BLKFRONT vbd=%s no event channel: %d\n", name, rc);
            continue;
        }
        char token[16];
        fmt_format(path, sizeof path, "%s/state", d->be);
        fmt_format(token, sizeof token, "blk%d", ndisks);
        rc = xs_watch(path, token);
        if (rc != 0)
            kprintf("BLKFRONT vbd=%s cannot watch %s: %s (polling)\n", name, path, xs_error_name(rc));
        d->phase = WAIT_BACKEND;
        d->check = 1;
        ndisks++;
    }
    return ndisks;
}

int blkfront_disk_count(void) { return ndisks; }

int blkfront_wait_connected(uint64_t timeout_ns)
{
    uint64_t deadline = time_now_ns() + timeout_ns;
    for (;;) {
        blkfront_service();
        int all = 1;
        for (int i = 0; i < ndisks; i++)
            all = all && disks[i].phase == CONNECTED;
        if (all)
            return 0;
        uint64_t now = time_now_ns();
        if (now >= deadline)
            return -ETIMEDOUT;
        time_set_deadline(now + 50000000ull < deadline ? now + 50000000ull : deadline);
        kernel_block();
    }
}

int blkfront_info(uint32_t disk, struct guest_blk_info *out)
{
    if (disk >= (uint32_t)ndisks || !disks[disk].ever_connected)
        return -ENODEV;
    struct disk *d = &disks[disk];
    out->sectors = d->sectors;
    out->sector_size = d->sector_size;
    out->flags = ((d->info & VDISK_READONLY) ? GUEST_BLK_READ_ONLY : 0) | (d->flush ? GUEST_BLK_FLUSH : 0) |
                 (d->discard ? GUEST_BLK_DISCARD : 0);
    return 0;
}

int blkfront_stats(uint32_t disk, struct blkfront_stats *out)
{
    if (disk >= (uint32_t)ndisks)
        return -ENODEV;
    *out = disks[disk].stats;
    return 0;
}

/* Checks and queues one request block; USER: the buffer must lie in the user window. */
static int start_io(const struct guest_blk_io *req, int task, int user, struct io **started)
{
    if (req->disk >= (uint32_t)ndisks || !disks[req->disk].ever_connected)
        return -ENODEV;
    struct disk *d = &disks[req->disk];
    int read_only = (d->info & VDISK_READONLY) != 0;
    uint32_t bytes = req->bytes;
    switch (req->op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        if (bytes == 0 || bytes % SECTOR != 0 || bytes > GUEST_BLK_MAX_BYTES || (req->buffer & 3u) != 0)
            return -EINVAL;
        if (user && !user_buffer_ok(req->buffer, bytes))
            return -EFAULT;
        if (req->op == BLKIF_OP_WRITE && read_only)
            return -EROFS;
        break;
    case BLKIF_OP_FLUSH_DISKCACHE:
        if (!d->flush)
            return -EOPNOTSUPP;
        bytes = 0;
        break;
    case BLKIF_OP_DISCARD:
        if (!d->discard)
            return -EOPNOTSUPP;
        if (read_only)
            return -EROFS;
        if (bytes == 0 || bytes % SECTOR != 0)
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    if (req->op != BLKIF_OP_FLUSH_DISKCACHE &&
        (req->sector > d->sectors || bytes / SECTOR > d->sectors - req->sector))
        return -EINVAL;
    struct io *io = NULL;
    for (int i = 0; i < MAX_IOS && io == NULL; i++)
        if (!ios[i].in_use)
            io = &ios[i];
    if (io == NULL)
        return -EBUSY;
    memset(io, 0, sizeof *io);
    io->in_use = 1;
    ios_active++;
    io->task = task;
    io->disk = req->disk;
    io->op = req->op;
    io->sector = req->sector;
    io->buffer = req->buffer;
    io->left = req->op == BLKIF_OP_FLUSH_DISKCACHE ? 1 : bytes;
    io->progress_ns = time_now_ns();
    if (d->tail != NULL)
        d->tail->next = io;
    else
        d->head = io;
    d->tail = io;
    *started = io;
    pump(d);
    return BLKFRONT_PENDING;
}

int blkfront_sys_io(const struct guest_blk_io *req, int task)
{
    struct io *io;
    return start_io(req, task, 1, &io);
}

int blkfront_kernel_io(uint32_t op, uint32_t disk, uint64_t sector, void *buffer, uint32_t bytes)
{
    struct guest_blk_io req = {.op = op, .disk = disk, .sector = sector, .buffer = (uint32_t)buffer, .bytes = bytes};
    struct io *io;
    int rc = start_io(&req, -1, 0, &io);
    if (rc != BLKFRONT_PENDING)
        return rc;
    /* The answer frees the slot and sets done; nothing reuses the slot meanwhile (no task runs while the kernel
     * waits here). */
    while (!io->done) {
        blkfront_service();
        if (io->done)
            break;
        time_set_deadline(time_now_ns() + 50000000ull);
        kernel_block();
    }
    return io->status;
}

struct blkif_front_ring *blkfront_raw_ring(uint32_t disk, uint32_t *port, uint32_t *backend_id)
{
    if (disk >= (uint32_t)ndisks)
        return NULL;
    *port = disks[disk].port;
    *backend_id = disks[disk].backend_id;
    return &disks[disk].front;
}

int blkfront_reconnect(uint32_t disk)
{
    if (disk >= (uint32_t)ndisks)
        return -ENODEV;
    struct disk *d = &disks[disk];
    int rc = frontend_write(d, "state", "1"); /* contract "Changes": the backend answers with InitWait */
    if (rc != 0)
        return rc;
    if (d->phase == CONNECTED)
        take_responses(d);
    d->phase = WAIT_BACKEND; /* a stale Connected is not believed: only InitWait moves us on */
    d->asked_restart = 1;
    d->check = 1;
    xs_used = 1;
    kprintf("BLKFRONT vbd=%u reconnecting (state 1)\n", (unsigned)d->vdev);
    return 0;
}

void blkfront_set_raw(uint32_t disk, int raw)
{
    if (disk < (uint32_t)ndisks)
        disks[disk].raw = raw;
}
