/* A xenstore client over the domain's xenstore ring (xen/io/xs_wire.h), as a Xen PV guest's xenbus driver:
 * requests go into the req ring, replies and watch events come back in the rsp ring, each side notifies the
 * store event channel. Paths may be absolute or relative to the domain's home (/local/domain/<id>).
 * Every call returns 0 (or a length/count) or a negative Xen errno: the daemon's XS_ERROR name mapped back
 * (-EACCES, -ENOENT, ...), -ETIMEDOUT when no answer came, -EIO when the ring is broken. */
#ifndef GUEST_XENSTORE_H
#define GUEST_XENSTORE_H

#include <stdint.h>

/* Maps the ring page (HVM_PARAM_STORE_PFN) and binds its port (HVM_PARAM_STORE_EVTCHN). */
int xs_init(void);
/* How long a request waits for its answer (ns); xenstored may connect to the ring after the guest starts. */
extern uint64_t xs_timeout_ns;

/* The value of PATH into VALUE (NUL-terminated, at most SIZE - 1 bytes); returns its length. */
int xs_read(const char *path, char *value, uint32_t size);
int xs_write(const char *path, const char *value);
int xs_rm(const char *path);
/* The children of PATH as consecutive NUL-terminated names in NAMES; returns their count. */
int xs_directory(const char *path, char *names, uint32_t size);
/* XS_SET_PERMS: PERMS are entries like "n3", "r0" (owner first); at most 7. */
int xs_set_perms(const char *path, const char *const *perms, int nperms);
int xs_watch(const char *path, const char *token);
int xs_unwatch(const char *path, const char *token);
/* The next watch event (path and token, NUL-terminated), waiting up to TIMEOUT_NS. */
int xs_read_watch(char *path, uint32_t path_size, char *token, uint32_t token_size, uint64_t timeout_ns);
/* The Xen error name of a negative errno this client returns ("EACCES"), or "?". */
const char *xs_error_name(int err);
/* The ring page itself, for tests of a hostile guest (NULL before xs_init). */
struct xenstore_domain_interface *xs_ring(void);
uint32_t xs_port(void);

#endif
