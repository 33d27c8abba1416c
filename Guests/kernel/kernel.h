/* The mini PV kernel's internal interfaces, one section per source file. */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "xen.h"

#define NORETURN __attribute__((noreturn))
#define ALIGNED(n) __attribute__((aligned(n)))

/* boot / main.c */
extern uint32_t kernel_domid;
extern uint32_t kernel_ram_size;
extern char kernel_cmdline[256];
void NORETURN kernel_poweroff(int crashed);
int kernel_hvm_param(uint32_t index, uint64_t *value); /* HVMOP_get_param for this domain; 0 or -errno */

/* console.c: the single output path (console_io now, the console ring later). */
void console_write(const char *s, size_t len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void NORETURN panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* consfront.c: the console ring frontend (docs/console.md). console_write uses it once the backend bound the port. */
void console_ring_init(void);                  /* map the ring page, bind its port (boot, before mm_install) */
int console_ring_connected(void);              /* the backend has bound the port (sticky) */
uint32_t console_ring_port(void);
void console_ring_scribble(uint32_t out_distance, uint32_t in_distance); /* tests: garbage indices */
int console_ring_write(const char *s, size_t len); /* 0, or -1 when the ring is not in use */
void console_ring_flush(uint64_t timeout_ns);  /* wait until the backend consumed all output */
size_t console_ring_read(char *buf, size_t size);  /* input bytes available now */
int console_read_line(char *buf, size_t size, uint64_t timeout_ns); /* length, or -ETIMEDOUT */

/* trap.c: what the assembly vector calls; returns the frame to resume with XENARM_PV_return. */
struct xenarm_trap_frame *trap_dispatch(struct xenarm_trap_frame *frame, uint32_t kind);
/* A kernel-mode access that may fault (probes): returns 0 and the value, or 1 with the fault recorded. */
struct fault_record {
    uint32_t kind, address, status, vmode;
};
int probe_read32(uint32_t address, uint32_t *value, struct fault_record *fault);
int probe_write32(uint32_t address, uint32_t value, struct fault_record *fault);
extern struct fault_record last_user_fault; /* the last fault that killed a user task */
extern int user_fault_count;
const char *trap_kind_name(uint32_t kind);

/* entry.S */
extern const struct xenarm_vectors trap_vectors;
void NORETURN trap_resume(struct xenarm_trap_frame *frame);

/* events.c: 2-level event channels over shared_info. */
typedef void (*event_handler)(uint32_t port, void *arg);
extern struct shared_info *shared_info_page;
void events_init(void);
int events_bind(uint32_t port, event_handler handler, void *arg); /* and unmask */
void events_mask(uint32_t port);
void events_unmask(uint32_t port);
void events_poll(void);     /* run the handlers of every pending, unmasked port */
int evtchn_bind_virq(uint32_t virq, uint32_t *port);
int evtchn_alloc_unbound(domid_t remote, uint32_t *port);
int evtchn_bind_interdomain(domid_t remote, uint32_t remote_port, uint32_t *port);
int evtchn_send(uint32_t port);
int evtchn_close(uint32_t port);
void upcalls_mask(void);
void upcalls_unmask(void);
void kernel_block(void);    /* SCHEDOP_block, then run pending handlers */

/* time.c: guest system time in ns (the virtual counter scaled by its frequency) and VIRQ_TIMER. */
uint64_t time_now_ns(void);
void time_init(void);
void time_set_deadline(uint64_t deadline_ns); /* earliest wins until it fires */
void ksleep_ns(uint64_t ns);
extern volatile uint32_t timer_ticks;

/* grant.c: v1 grant table in the frames at GUEST_GNTTAB_ADDR. */
extern uint32_t grant_nr_frames;
int grant_init(void);
int grant_access(domid_t domid, uint32_t gfn, int readonly); /* returns the ref or a negative errno */
int grant_end_access(uint32_t ref);

/* mm.c: short-descriptor page tables installed with XENARM_PV_set_ttbr. */
extern uint32_t user_window_start, user_window_end;
void mm_init(void);
int mm_map_page(uint32_t va, uint32_t pa, uint32_t domain, int writable); /* then tlb_flush */
int mm_unmap_page(uint32_t va);
int mm_install(void);                                                     /* set_ttbr + flush */
uint32_t *mm_l1_table(void);

/* task.c: applications in virtual user mode, their system calls and the scheduler. */
typedef void (*user_entry)(const char *arg);
int task_spawn(user_entry entry, const char *arg); /* returns pid or negative */
void NORETURN task_run_all(void);                  /* runs until every task has exited, then returns to program */
struct xenarm_trap_frame *task_syscall(struct xenarm_trap_frame *frame);
struct xenarm_trap_frame *task_fault(struct xenarm_trap_frame *frame);
struct xenarm_trap_frame *task_reschedule(struct xenarm_trap_frame *frame);
void task_timer_tick(void);
int task_last_fault(int pid, struct fault_record *out); /* 0 if task pid was killed by a fault */
extern int task_exit_codes_sum;
/* A task blocked in a system call (SYS_blk_io) is made runnable again with its result in r0. */
void task_complete(int task, int32_t result);

/* blkfront.c: the block frontend (docs/guest-abi.md "Block devices", docs/block.md "Guest side"). One xen/io/blkif.h
 * ring per device/vbd/<id>; requests come from SYS_blk_io (a task blocks until its answer) or blkfront_kernel_io. */
#define BLKFRONT_MAX_DISKS 4
#define BLKFRONT_PENDING 1 /* blkfront_sys_io: queued, the task blocks until task_complete */
#define BLKFRONT_DEADLINE_NS 30000000000ull /* a request unanswered this long (across reconnections) fails -EIO */
struct guest_blk_io;
struct guest_blk_info;
int blkfront_init(void);                      /* grants, xenstore, discovery and watches; returns the disk count */
int blkfront_wait_connected(uint64_t timeout_ns); /* 0 once every disk is Connected, else -ETIMEDOUT */
int blkfront_disk_count(void);
int blkfront_info(uint32_t disk, struct guest_blk_info *out);
int blkfront_sys_io(const struct guest_blk_io *io, int task); /* BLKFRONT_PENDING, or an immediate -errno */
int blkfront_kernel_io(uint32_t op, uint32_t disk, uint64_t sector, void *buffer, uint32_t bytes); /* waits */
void blkfront_service(void); /* xenstore watches, reconnection, deadlines: from the scheduler, never a handler */
struct blkfront_stats {
    uint32_t connections, reissued, timeouts, bad_ids, bad_indices, requests, responses;
};
int blkfront_stats(uint32_t disk, struct blkfront_stats *out);
/* probe-blk speaks the ring itself: while raw, blkfront consumes no responses and submits nothing on DISK. */
struct blkif_front_ring;
struct blkif_front_ring *blkfront_raw_ring(uint32_t disk, uint32_t *port, uint32_t *backend_id);
void blkfront_set_raw(uint32_t disk, int raw);
int blkfront_reconnect(uint32_t disk); /* FE/state = 1: the backend drops its ring and starts the handshake again */

/* The program linked with the kernel (apps/<name>/kernel.c): runs in virtual kernel mode after boot.
 * Returns the exit status: 0 = RESULT ok. It may spawn tasks and call task_run_all's successor
 * program_after_tasks (called once every task has exited, if tasks were run). */
int program_main(const char *cmdline);
int program_after_tasks(void);

#endif
