/*
 * Page tables (ARMv7 short descriptors, TTBCR.N = 0): RAM is mapped 1:1 with 1 MiB sections. Kernel memory is
 * in DACR domain XENARM_DOMAIN_KERNEL, the user window (the 1 MiB-aligned region the linker script gives to
 * applications and the shared library code) in XENARM_DOMAIN_USER. Other windows (grant frames) use 4 KiB pages
 * from a small pool of L2 tables. The hypervisor validates the table when XENARM_PV_set_ttbr installs it.
 */
#include "kernel.h"
#include "hypercall.h"
#include "string.h"

#define SECTION_SIZE 0x100000u
#define L1_SECTION(pa, dom) (((pa) & 0xfff00000u) | (3u << 10) | ((dom) << 5) | (1u << 3) | (1u << 2) | 2u)
#define L1_COARSE(pa, dom) (((pa) & 0xfffffc00u) | ((dom) << 5) | 1u)
#define L2_SMALL(pa, rw) (((pa) & 0xfffff000u) | ((rw) ? (3u << 4) : (2u << 4)) | (1u << 3) | (1u << 2) | 2u)
#define L2_POOL 8

static uint32_t l1[4096] ALIGNED(16384);
static uint32_t l2_pool[L2_POOL][256] ALIGNED(1024);
static int l2_used;

extern char __user_start[], __user_end[];
uint32_t user_window_start, user_window_end;

uint32_t *mm_l1_table(void) { return l1; }

void mm_init(void)
{
    user_window_start = (uint32_t)__user_start;
    user_window_end = (uint32_t)__user_end;
    memset(l1, 0, sizeof l1);
    /* Whole MiBs of RAM as sections; a last partial MiB page by page (a section may not reach past RAM). */
    uint32_t end = GUEST_RAM_BASE + kernel_ram_size, pa;
    for (pa = GUEST_RAM_BASE; end - pa >= SECTION_SIZE; pa += SECTION_SIZE) {
        uint32_t dom = pa >= user_window_start && pa < user_window_end ? XENARM_DOMAIN_USER : XENARM_DOMAIN_KERNEL;
        l1[pa >> 20] = L1_SECTION(pa, dom);
    }
    for (; pa < end; pa += PAGE_SIZE)
        mm_map_page(pa, pa, XENARM_DOMAIN_KERNEL, 1);
}

int mm_map_page(uint32_t va, uint32_t pa, uint32_t domain, int writable)
{
    uint32_t *entry = &l1[va >> 20];
    uint32_t *l2;
    if ((*entry & 3u) == 1u) {
        l2 = (uint32_t *)(*entry & 0xfffffc00u);
    } else {
        if ((*entry & 3u) != 0 || l2_used == L2_POOL)
            return -ENOMEM;
        l2 = l2_pool[l2_used++];
        memset(l2, 0, 1024);
        *entry = L1_COARSE((uint32_t)l2, domain);
    }
    l2[(va >> 12) & 0xff] = L2_SMALL(pa, writable);
    HYPERVISOR_arch_pv(XENARM_PV_tlb_flush, XENARM_TLB_VA, va);
    return 0;
}

int mm_unmap_page(uint32_t va)
{
    uint32_t entry = l1[va >> 20];
    if ((entry & 3u) != 1u)
        return -EINVAL;
    ((uint32_t *)(entry & 0xfffffc00u))[(va >> 12) & 0xff] = 0;
    HYPERVISOR_arch_pv(XENARM_PV_tlb_flush, XENARM_TLB_VA, va);
    return 0;
}

int mm_install(void)
{
    long rc = HYPERVISOR_arch_pv(XENARM_PV_set_ttbr, (uint32_t)l1, 0);
    if (rc != 0)
        return (int)rc;
    return (int)HYPERVISOR_arch_pv(XENARM_PV_tlb_flush, XENARM_TLB_ALL, 0);
}
