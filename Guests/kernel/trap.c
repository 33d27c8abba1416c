/* What the kernel does with each trap kind (xenarm-pv.h XENARM_TRAP_*). */
#include "kernel.h"
#include "hypercall.h"

extern char probe_load_insn[], probe_store_insn[], probe_fixup[];

struct fault_record last_user_fault;
int user_fault_count;
static struct fault_record *probe_target;

const char *trap_kind_name(uint32_t kind)
{
    static const char *const names[XENARM_TRAP_COUNT] = {
        [XENARM_TRAP_SYSCALL] = "syscall",
        [XENARM_TRAP_UNDEFINED] = "undefined",
        [XENARM_TRAP_PREFETCH_ABORT] = "prefetch-abort",
        [XENARM_TRAP_DATA_ABORT] = "data-abort",
        [XENARM_TRAP_UPCALL] = "upcall",
    };
    return kind < XENARM_TRAP_COUNT ? names[kind] : "unknown";
}

static void record(struct fault_record *r, const struct xenarm_trap_frame *f)
{
    r->kind = f->kind;
    r->address = f->fault_address;
    r->status = f->fault_status;
    r->vmode = f->vmode;
}

int probe_read32(uint32_t address, uint32_t *value, struct fault_record *fault)
{
    extern int probe_load(uint32_t, uint32_t *);
    probe_target = fault;
    int r = probe_load(address, value);
    probe_target = NULL;
    return r;
}

int probe_write32(uint32_t address, uint32_t value, struct fault_record *fault)
{
    extern int probe_store(uint32_t, uint32_t);
    probe_target = fault;
    int r = probe_store(address, value);
    probe_target = NULL;
    return r;
}

/* A fault in the kernel itself: recoverable only at a probe instruction. */
static struct xenarm_trap_frame *kernel_fault(struct xenarm_trap_frame *frame)
{
    if (probe_target != NULL && (frame->pc == (uint32_t)probe_load_insn || frame->pc == (uint32_t)probe_store_insn)) {
        record(probe_target, frame);
        frame->pc = (uint32_t)probe_fixup;
        return frame;
    }
    panic("kernel %s at pc=0x%08x addr=0x%08x status=0x%08x", trap_kind_name(frame->kind), (unsigned)frame->pc,
          (unsigned)frame->fault_address, (unsigned)frame->fault_status);
}

struct xenarm_trap_frame *trap_dispatch(struct xenarm_trap_frame *frame, uint32_t kind)
{
    int from_user = frame->vmode == XENARM_VMODE_USER;
    switch (kind) {
    case XENARM_TRAP_SYSCALL:
        if (!from_user)
            panic("syscall trap from virtual kernel mode at pc=0x%08x", (unsigned)frame->pc);
        return task_syscall(frame);
    case XENARM_TRAP_UPCALL:
        events_poll();
        return from_user ? task_reschedule(frame) : frame;
    case XENARM_TRAP_UNDEFINED:
    case XENARM_TRAP_PREFETCH_ABORT:
    case XENARM_TRAP_DATA_ABORT:
        if (from_user) {
            record(&last_user_fault, frame);
            user_fault_count++;
            return task_fault(frame);
        }
        return kernel_fault(frame);
    default:
        panic("unknown trap kind %u", (unsigned)kind);
    }
}

void NORETURN trap_resume_failed(long err);
void trap_resume_failed(long err)
{
    panic("XENARM_PV_return failed: %ld", err);
}
