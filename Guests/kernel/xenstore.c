/*
 * xenstore client on the xenstore ring page (xen/io/xs_wire.h), the guest half of docs/xenstore.md "Guests".
 *
 * The toolstack gives every domain a ring page (HVM_PARAM_STORE_PFN, the second magic page) and a port offered
 * to Dom0 (HVM_PARAM_STORE_EVTCHN). xenstored binds the port over the hypervisor bus and reads and writes the page
 * with grant copies. We produce req[] (req_prod) and consume rsp[] (rsp_cons); indices are free-running 32-bit
 * counters masked by the ring size. A full barrier separates the bytes from the index that publishes them, and
 * the other side's index from the bytes read under it.
 *
 * Requests are one at a time (no pipelining): the reply is the next non-event message. Watch events that arrive
 * first are queued for xs_read_watch. Indices the daemon writes are checked like any other input: a distance
 * above the ring size, or an error the daemon reports in the page, fails the request with -EIO.
 */
#include "kernel.h"
#include "hypercall.h"
#include "xenstore.h"
#include "string.h"
#include <xen/io/xs_wire.h>

#define RING_MASK(i) ((i) & (XENSTORE_RING_SIZE - 1))
#define EVENT_SLOTS 8
#define EVENT_PATH 256
#define EVENT_TOKEN 64

uint64_t xs_timeout_ns = 20000000000ull; /* 20 s: xenstored connects once the hypervisor is up */

static volatile struct xenstore_domain_interface *ring;
static uint32_t ring_port;
static uint32_t next_req_id = 1;
static uint8_t reply_buf[XENSTORE_PAYLOAD_MAX + 1];

static struct {
    char path[EVENT_PATH];
    char token[EVENT_TOKEN];
} events[EVENT_SLOTS];
static uint32_t events_head, events_count;

static const struct {
    const char *name;
    int err;
} error_names[] = {
    {"EINVAL", EINVAL}, {"EACCES", EACCES}, {"EEXIST", EEXIST}, {"EISDIR", EISDIR}, {"ENOENT", ENOENT},
    {"ENOMEM", ENOMEM}, {"ENOSPC", ENOSPC}, {"EIO", EIO}, {"ENOTEMPTY", ENOTEMPTY}, {"ENOSYS", ENOSYS},
    {"EROFS", EROFS}, {"EBUSY", EBUSY}, {"EAGAIN", EAGAIN}, {"EISCONN", EISCONN}, {"E2BIG", E2BIG},
    {"EPERM", EPERM}, {"ETIMEDOUT", ETIMEDOUT},
};

const char *xs_error_name(int err)
{
    for (size_t i = 0; i < sizeof error_names / sizeof error_names[0]; i++)
        if (error_names[i].err == -err)
            return error_names[i].name;
    return "?";
}

static int error_from_name(const char *name, uint32_t len)
{
    for (size_t i = 0; i < sizeof error_names / sizeof error_names[0]; i++) {
        size_t n = strlen(error_names[i].name);
        if (n <= len && memcmp(name, error_names[i].name, n) == 0 && (n == len || name[n] == '\0'))
            return -error_names[i].err;
    }
    return -EIO;
}

static inline void barrier_full(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static void on_store_event(uint32_t port, void *arg) {}

struct xenstore_domain_interface *xs_ring(void) { return (struct xenstore_domain_interface *)ring; }
uint32_t xs_port(void) { return ring_port; }

int xs_init(void)
{
    uint64_t pfn = 0, evtchn = 0;
    int rc = kernel_hvm_param(HVM_PARAM_STORE_PFN, &pfn);
    if (rc == 0)
        rc = kernel_hvm_param(HVM_PARAM_STORE_EVTCHN, &evtchn);
    if (rc != 0)
        return rc;
    if (pfn == 0 || evtchn == 0)
        return -ENOENT;
    uint32_t pa = (uint32_t)pfn << PAGE_SHIFT;
    rc = mm_map_page(pa, pa, XENARM_DOMAIN_KERNEL, 1);
    if (rc != 0)
        return rc;
    ring_port = (uint32_t)evtchn;
    ring = (volatile struct xenstore_domain_interface *)pa;
    return events_bind(ring_port, on_store_event, NULL);
}

/* Waits for a notification (xenstored notifies after every reply it writes and every request it consumes) or
 * 20 ms, whichever first; re-notifies every 50 ms, since a notification sent before xenstored bound the port
 * went nowhere. The timer is only that safety net: a 1 ms poll would keep a slow (debug, loaded) vCPU from ever
 * blocking and starve the other domains. Returns -ETIMEDOUT past the deadline, -EIO on a broken ring. */
static int ring_wait(uint64_t deadline, uint64_t *last_kick)
{
    uint64_t now = time_now_ns();
    if (now >= deadline)
        return -ETIMEDOUT;
    if (ring->error != 0)
        return -EIO;
    if (now - *last_kick >= 50000000ull) {
        *last_kick = now;
        evtchn_send(ring_port);
    }
    time_set_deadline(now + 20000000ull < deadline ? now + 20000000ull : deadline);
    kernel_block();
    return 0;
}

static int ring_put(const void *data, uint32_t len, uint64_t deadline, uint64_t *kick)
{
    const uint8_t *p = data;
    while (len > 0) {
        XENSTORE_RING_IDX cons = ring->req_cons, prod = ring->req_prod;
        barrier_full();
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        uint32_t room = XENSTORE_RING_SIZE - (prod - cons);
        if (room == 0) {
            int rc = ring_wait(deadline, kick);
            if (rc != 0)
                return rc;
            continue;
        }
        uint32_t n = len < room ? len : room;
        for (uint32_t i = 0; i < n; i++)
            ring->req[RING_MASK(prod + i)] = (char)p[i];
        barrier_full();
        ring->req_prod = prod + n;
        evtchn_send(ring_port);
        p += n;
        len -= n;
    }
    return 0;
}

/* Reads LEN bytes of the rsp ring into OUT (NULL: skip them). */
static int ring_get(void *out, uint32_t len, uint64_t deadline, uint64_t *kick)
{
    uint8_t *p = out;
    while (len > 0) {
        XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
        barrier_full();
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        uint32_t avail = prod - cons;
        if (avail == 0) {
            int rc = ring_wait(deadline, kick);
            if (rc != 0)
                return rc;
            continue;
        }
        uint32_t n = len < avail ? len : avail;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t b = (uint8_t)ring->rsp[RING_MASK(cons + i)];
            if (p != NULL)
                *p++ = b;
        }
        barrier_full();
        ring->rsp_cons = cons + n;
        evtchn_send(ring_port); /* the daemon may be waiting for room to write more */
        len -= n;
    }
    return 0;
}

static void copy_string(char *dst, uint32_t size, const uint8_t *src, uint32_t len)
{
    uint32_t n = 0;
    while (n < len && src[n] != 0 && n + 1 < size) {
        dst[n] = (char)src[n];
        n++;
    }
    dst[n] = '\0';
}

/* Reads one message; a watch event is queued and *is_event set. The payload lands in reply_buf. */
static int read_message(struct xsd_sockmsg *msg, int *is_event, uint64_t deadline, uint64_t *kick)
{
    int rc = ring_get(msg, sizeof *msg, deadline, kick);
    if (rc != 0)
        return rc;
    if (msg->len > XENSTORE_PAYLOAD_MAX)
        return -EIO; /* the stream cannot be followed past a length we will not read */
    rc = ring_get(reply_buf, msg->len, deadline, kick);
    if (rc != 0)
        return rc;
    reply_buf[msg->len] = 0;
    *is_event = msg->type == XS_WATCH_EVENT;
    if (*is_event && events_count < EVENT_SLOTS) {
        uint32_t slot = (events_head + events_count) % EVENT_SLOTS;
        uint32_t path_len = (uint32_t)strlen((const char *)reply_buf);
        copy_string(events[slot].path, EVENT_PATH, reply_buf, msg->len);
        if (path_len + 1 <= msg->len)
            copy_string(events[slot].token, EVENT_TOKEN, reply_buf + path_len + 1, msg->len - path_len - 1);
        else
            events[slot].token[0] = '\0';
        events_count++;
    }
    return 0;
}

/* One request of TYPE with the NUL-separated strings of PARTS (the last one's NUL only if LAST_NUL), then its
 * reply: returns the payload length (in reply_buf) or a negative errno. */
static int request(uint32_t type, const char *const *parts, int nparts, int last_nul)
{
    if (ring == NULL)
        return -ENOENT;
    uint32_t len = 0;
    for (int i = 0; i < nparts; i++)
        len += (uint32_t)strlen(parts[i]) + ((i < nparts - 1 || last_nul) ? 1 : 0);
    if (len > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    struct xsd_sockmsg msg = {.type = type, .req_id = next_req_id++, .tx_id = 0, .len = len};
    uint64_t deadline = time_now_ns() + xs_timeout_ns, kick = time_now_ns();
    int rc = ring_put(&msg, sizeof msg, deadline, &kick);
    for (int i = 0; rc == 0 && i < nparts; i++) {
        rc = ring_put(parts[i], (uint32_t)strlen(parts[i]), deadline, &kick);
        if (rc == 0 && (i < nparts - 1 || last_nul))
            rc = ring_put("", 1, deadline, &kick);
    }
    if (rc != 0)
        return rc;
    for (;;) {
        struct xsd_sockmsg answer;
        int is_event;
        rc = read_message(&answer, &is_event, deadline, &kick);
        if (rc != 0)
            return rc;
        if (is_event)
            continue;
        if (answer.req_id != msg.req_id)
            continue; /* not ours (a reply to a request that timed out earlier) */
        if (answer.type == XS_ERROR)
            return error_from_name((const char *)reply_buf, answer.len);
        return (int)answer.len;
    }
}

int xs_read(const char *path, char *value, uint32_t size)
{
    int n = request(XS_READ, &path, 1, 1);
    if (n < 0)
        return n;
    uint32_t copy = (uint32_t)n < size ? (uint32_t)n : size - 1;
    memcpy(value, reply_buf, copy);
    value[copy] = '\0';
    return n;
}

static int expect_ok(int n) { return n < 0 ? n : (n >= 2 && memcmp(reply_buf, "OK", 2) == 0 ? 0 : -EIO); }

int xs_write(const char *path, const char *value)
{
    const char *parts[2] = {path, value};
    return expect_ok(request(XS_WRITE, parts, 2, 0)); /* the value is raw bytes, not NUL-terminated */
}

int xs_rm(const char *path) { return expect_ok(request(XS_RM, &path, 1, 1)); }

int xs_directory(const char *path, char *names, uint32_t size)
{
    int n = request(XS_DIRECTORY, &path, 1, 1);
    if (n < 0)
        return n;
    if ((uint32_t)n > size)
        return -E2BIG;
    memcpy(names, reply_buf, (uint32_t)n);
    int count = 0;
    for (int i = 0; i < n; i++)
        if (reply_buf[i] == 0)
            count++;
    return count;
}

int xs_set_perms(const char *path, const char *const *perms, int nperms)
{
    const char *parts[8];
    if (nperms < 1 || nperms > 7)
        return -EINVAL;
    parts[0] = path;
    for (int i = 0; i < nperms; i++)
        parts[i + 1] = perms[i];
    return expect_ok(request(XS_SET_PERMS, parts, nperms + 1, 1));
}

int xs_watch(const char *path, const char *token)
{
    const char *parts[2] = {path, token};
    int rc = expect_ok(request(XS_WATCH, parts, 2, 1));
    /* EEXIST: xenstored has this watch already. A restarted xenstored (its watches persist) answers so when it
     * recorded the watch but died before answering: the request, consumed only with its answer, was read again. */
    return rc == -EEXIST ? 0 : rc;
}

int xs_unwatch(const char *path, const char *token)
{
    const char *parts[2] = {path, token};
    return expect_ok(request(XS_UNWATCH, parts, 2, 1));
}

int xs_read_watch(char *path, uint32_t path_size, char *token, uint32_t token_size, uint64_t timeout_ns)
{
    if (ring == NULL)
        return -ENOENT;
    uint64_t deadline = time_now_ns() + timeout_ns, kick = time_now_ns();
    while (events_count == 0) {
        /* Only read when a whole header is there: a request in flight owns the stream otherwise. */
        XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
        barrier_full();
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        if (prod != cons) {
            struct xsd_sockmsg msg;
            int is_event, rc = read_message(&msg, &is_event, deadline, &kick);
            if (rc != 0)
                return rc;
            continue; /* a stray reply is dropped */
        }
        int rc = ring_wait(deadline, &kick);
        if (rc != 0)
            return rc;
    }
    uint32_t slot = events_head;
    copy_string(path, path_size, (const uint8_t *)events[slot].path, EVENT_PATH);
    copy_string(token, token_size, (const uint8_t *)events[slot].token, EVENT_TOKEN);
    events_head = (events_head + 1) % EVENT_SLOTS;
    events_count--;
    return 0;
}
