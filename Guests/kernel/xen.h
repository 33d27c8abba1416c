/* The Xen public headers as the guest includes them (from libxen-dev through -isystem build/include). */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include <stdint.h>
/* xenarm's ARM PV keeps x86 PV's per-vCPU upcall mask (xenarm-pv.h): the byte after evtchn_upcall_pending. */
#define XEN_HAVE_PV_UPCALL_MASK 1
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/version.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
/* Xen errno values under their plain names (EINVAL, ...): the header's "caller provides XEN_ERRNO" form. */
enum xen_errno_value {
#define XEN_ERRNO(name, value) name = value,
#include <xen/errno.h>
};
#include "xenarm-pv.h"

/* The guest-physical map of xen/arch-arm.h as xenarm uses it (DESIGN.md §3). */
#define GUEST_RAM_BASE      0x40000000u
#define GUEST_GNTTAB_ADDR   0x38000000u
#define GUEST_MAGIC_ADDR    0x39000000u
/* Where this kernel asks for shared_info: outside RAM, past the magic pages (its own choice, as on Xen ARM). */
#define GUEST_SHARED_INFO_ADDR 0x39100000u
#define PAGE_SIZE           4096u
#define PAGE_SHIFT          12

#endif
