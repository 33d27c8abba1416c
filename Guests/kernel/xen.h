/* The Xen public headers as the guest includes them (from libxen-dev through -isystem build/include). */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>

#endif
