/*
 * System calls of the mini PV kernel (docs/guest-abi.md, "Mini kernel system calls"): an application in
 * virtual user mode executes SVC #0 with the number in r7 and arguments in r0-r2; the result comes back in
 * r0 (negative Xen errno on failure).
 */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H

#define SYS_exit   0 /* r0 = status; does not return */
#define SYS_write  1 /* r0 = fd (1 or 2), r1 = buffer, r2 = length; returns length */
#define SYS_yield  2 /* returns 0 */
#define SYS_sleep  3 /* r0 = milliseconds; returns 0 */
#define SYS_getpid 4 /* returns the task id (1, 2, ...) */
#define SYS_time   5 /* returns guest time in ms (low 32 bits) */
/* The block path (docs/guest-abi.md "Block devices"; contract of docs/block.md). */
#define SYS_blk_info 6 /* r0 = disk index (0 = first vbd), r1 = struct guest_blk_info *; 0 or -errno */
#define SYS_blk_io   7 /* r0 = struct guest_blk_io *; 0 or -errno (-EIO, -EROFS, -EINVAL, -ENODEV, -EFAULT,
                          -EOPNOTSUPP); blocks the calling task until every ring request of it has a response */
#define SYS_COUNT  8

#ifndef __ASSEMBLER__
#include <stdint.h>

struct guest_blk_info {
    uint64_t sectors;     /* 512-byte sectors */
    uint32_t sector_size; /* 512 */
    uint32_t flags;       /* GUEST_BLK_* */
};
#define GUEST_BLK_READ_ONLY 1u
#define GUEST_BLK_FLUSH     2u /* the backend offers feature-flush-cache */
#define GUEST_BLK_DISCARD   4u /* the backend offers feature-discard */

struct guest_blk_io {
    uint32_t op;     /* BLKIF_OP_READ 0, BLKIF_OP_WRITE 1, BLKIF_OP_FLUSH_DISKCACHE 3, BLKIF_OP_DISCARD 5 */
    uint32_t disk;   /* disk index */
    uint64_t sector; /* first 512-byte sector */
    uint32_t buffer; /* user virtual address (4-byte aligned); unused for flush/discard */
    uint32_t bytes;  /* multiple of 512, up to 1 MiB (discard: up to the disk); 0 for flush */
};
#define GUEST_BLK_OP_READ    0u
#define GUEST_BLK_OP_WRITE   1u
#define GUEST_BLK_OP_FLUSH   3u
#define GUEST_BLK_OP_DISCARD 5u
#define GUEST_BLK_MAX_BYTES  (1u << 20)
#endif

#endif
