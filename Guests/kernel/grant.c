/*
 * Grant table v1: the hypervisor's grant frames are mapped at GUEST_GNTTAB_ADDR with
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table), as on Xen ARM; GNTTABOP_query_size and setup_table report
 * and confirm the frame count. Entries below GNTTAB_NR_RESERVED_ENTRIES belong to the toolstack.
 */
#include "kernel.h"
#include "hypercall.h"

uint32_t grant_nr_frames;
static grant_entry_v1_t *entries;
static uint32_t next_ref = GNTTAB_NR_RESERVED_ENTRIES;
/* Refs given back by grant_end_access, reused oldest first (a block frontend grants every data page of every
 * request: without reuse the table runs out after a few hundred requests). FIFO keeps a just-revoked ref unused
 * for as long as possible, so a late copy by a backend that was given up finds it revoked, not re-granted. */
#define FREE_REFS 4096
static uint16_t free_refs[FREE_REFS];
static uint32_t free_head, free_count;

int grant_init(void)
{
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
    if (rc != 0 || q.status != GNTST_okay) {
        kprintf("grant: query_size rc=%ld status=%d\n", rc, (int)q.status);
        return rc != 0 ? (int)rc : -EINVAL;
    }
    uint32_t frames = q.nr_frames != 0 ? q.nr_frames : 1;
    for (uint32_t i = 0; i < frames; i++) {
        struct xen_add_to_physmap xatp = {
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_grant_table,
            .idx = i,
            .gpfn = (GUEST_GNTTAB_ADDR >> PAGE_SHIFT) + i,
        };
        rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
        if (rc != 0) {
            kprintf("grant: add_to_physmap(grant_table %u) = %ld\n", (unsigned)i, rc);
            return (int)rc;
        }
        rc = mm_map_page(GUEST_GNTTAB_ADDR + i * PAGE_SIZE, GUEST_GNTTAB_ADDR + i * PAGE_SIZE, XENARM_DOMAIN_KERNEL, 1);
        if (rc != 0)
            return (int)rc;
    }
    xen_pfn_t frame_list[4];
    struct gnttab_setup_table s = {.dom = DOMID_SELF, .nr_frames = frames < 4 ? frames : 4};
    set_xen_guest_handle(s.frame_list, frame_list);
    rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &s, 1);
    if (rc != 0 || s.status != GNTST_okay) {
        kprintf("grant: setup_table rc=%ld status=%d\n", rc, (int)s.status);
        return rc != 0 ? (int)rc : -EINVAL;
    }
    grant_nr_frames = frames;
    entries = (grant_entry_v1_t *)GUEST_GNTTAB_ADDR;
    return 0;
}

int grant_access(domid_t domid, uint32_t gfn, int readonly)
{
    if (entries == NULL)
        return -ENODEV;
    uint32_t ref;
    if (next_ref < grant_nr_frames * (PAGE_SIZE / sizeof(grant_entry_v1_t))) {
        ref = next_ref++;
    } else if (free_count > 0) {
        ref = free_refs[free_head];
        free_head = (free_head + 1) % FREE_REFS;
        free_count--;
    } else {
        return -ENOSPC;
    }
    entries[ref].domid = domid;
    entries[ref].frame = gfn;
    /* The hypervisor may read the entry as soon as flags say permit_access: domid and frame first. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&entries[ref].flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)), __ATOMIC_SEQ_CST);
    return (int)ref;
}

int grant_end_access(uint32_t ref)
{
    if (entries == NULL || ref >= grant_nr_frames * (PAGE_SIZE / sizeof(grant_entry_v1_t)))
        return -EINVAL;
    uint16_t flags = __atomic_load_n(&entries[ref].flags, __ATOMIC_SEQ_CST);
    if ((flags & GTF_type_mask) == GTF_invalid)
        return -EINVAL; /* not granted: ending it twice must not put it twice on the free list */
    do {
        if (flags & (GTF_reading | GTF_writing))
            return -EBUSY;
    } while (!__atomic_compare_exchange_n(&entries[ref].flags, &flags, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    if (ref >= GNTTAB_NR_RESERVED_ENTRIES && ref < next_ref && free_count < FREE_REFS) {
        free_refs[(free_head + free_count) % FREE_REFS] = (uint16_t)ref;
        free_count++;
    }
    return 0;
}
