/*
 * Applications in virtual user mode. A task is a saved trap frame plus a user stack in the user window; it is
 * entered by "returning" into its frame with XENARM_PV_return (vmode = user, upcalls unmasked). Its system
 * calls and faults come back through trap_dispatch on the kernel stack registered with XENARM_PV_set_vectors.
 * Scheduling is round robin: yield, sleep, exit and every upcall from user mode pick the next runnable task.
 */
#include "kernel.h"
#include "hypercall.h"
#include "guest-syscall.h"
#include "string.h"
#include "fmt.h"

#define MAX_TASKS 8
#define USER_STACK_SIZE 16384

enum task_state { TASK_FREE, TASK_RUNNABLE, TASK_SLEEPING, TASK_BLOCKED, TASK_DEAD };

struct task {
    enum task_state state;
    uint32_t pid;
    uint64_t wake_ns;
    int faulted;
    struct fault_record fault;
    struct xenarm_trap_frame frame;
};

static struct task tasks[MAX_TASKS];
static int current = -1;
int task_exit_codes_sum;

/* User stacks live in the user window (DACR domain user): the section attribute puts them there. */
static uint8_t user_stacks[MAX_TASKS][USER_STACK_SIZE] ALIGNED(8) __attribute__((section(".ubss.stacks")));
/* Each task's argument, copied where the application can read it. */
static char user_args[MAX_TASKS][128] __attribute__((section(".ubss.args")));

extern void user_task_start(user_entry entry, const char *arg); /* user/ulib.c */

int task_spawn(user_entry entry, const char *arg)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        if (tasks[i].state != TASK_FREE)
            continue;
        struct task *t = &tasks[i];
        memset(t, 0, sizeof *t);
        t->pid = (uint32_t)i + 1;
        t->state = TASK_RUNNABLE;
        size_t n = 0;
        for (; arg != NULL && arg[n] != '\0' && n + 1 < sizeof user_args[i]; n++)
            user_args[i][n] = arg[n];
        user_args[i][n] = '\0';
        t->frame.pc = (uint32_t)user_task_start;
        t->frame.r[0] = (uint32_t)entry;
        t->frame.r[1] = (uint32_t)user_args[i];
        t->frame.sp = (uint32_t)&user_stacks[i][USER_STACK_SIZE];
        t->frame.cpsr = 0x10; /* user mode, ARM state, flags clear */
        t->frame.vmode = XENARM_VMODE_USER;
        t->frame.upcall_mask = 0;
        return (int)t->pid;
    }
    return -ENOMEM;
}

static int any_alive(void)
{
    for (int i = 0; i < MAX_TASKS; i++)
        if (tasks[i].state == TASK_RUNNABLE || tasks[i].state == TASK_SLEEPING || tasks[i].state == TASK_BLOCKED)
            return 1;
    return 0;
}

static void NORETURN all_done(void)
{
    int status = program_after_tasks();
    kprintf(status == 0 ? "RESULT ok\n" : "RESULT fail status=%d\n", status);
    kernel_poweroff(0);
}

/* The next runnable task after `current`, idling (blocked in the hypervisor) until one is. The block frontend's
 * deferred work (xenstore, reconnection, deadlines) runs here: never inside an event handler or a xenstore call. */
static struct xenarm_trap_frame *pick_next(void)
{
    for (;;) {
        blkfront_service();
        for (int n = 1; n <= MAX_TASKS; n++) {
            int i = (current + n + MAX_TASKS) % MAX_TASKS;
            if (tasks[i].state == TASK_RUNNABLE) {
                current = i;
                return &tasks[i].frame;
            }
        }
        if (!any_alive())
            all_done();
        kernel_block();
    }
}

void task_run_all(void)
{
    current = -1;
    trap_resume(pick_next());
}

static struct task *save_current(const struct xenarm_trap_frame *frame)
{
    if (current < 0)
        panic("trap from virtual user mode with no current task");
    struct task *t = &tasks[current];
    t->frame = *frame;
    return t;
}

struct xenarm_trap_frame *task_reschedule(struct xenarm_trap_frame *frame)
{
    save_current(frame);
    return pick_next();
}

struct xenarm_trap_frame *task_fault(struct xenarm_trap_frame *frame)
{
    struct task *t = save_current(frame);
    kprintf("TASK %u killed: %s at pc=0x%08x addr=0x%08x status=0x%08x\n", (unsigned)t->pid,
            trap_kind_name(frame->kind), (unsigned)frame->pc, (unsigned)frame->fault_address,
            (unsigned)frame->fault_status);
    t->state = TASK_DEAD;
    t->faulted = 1;
    t->fault = (struct fault_record){frame->kind, frame->fault_address, frame->fault_status, frame->vmode};
    task_exit_codes_sum += 128 + (int)frame->kind;
    return pick_next();
}

int task_last_fault(int pid, struct fault_record *out)
{
    if (pid < 1 || pid > MAX_TASKS || !tasks[pid - 1].faulted)
        return -1;
    *out = tasks[pid - 1].fault;
    return 0;
}

void task_timer_tick(void)
{
    uint64_t now = time_now_ns(), next = 0;
    for (int i = 0; i < MAX_TASKS; i++) {
        if (tasks[i].state != TASK_SLEEPING)
            continue;
        if (tasks[i].wake_ns <= now)
            tasks[i].state = TASK_RUNNABLE;
        else if (next == 0 || tasks[i].wake_ns < next)
            next = tasks[i].wake_ns;
    }
    if (next != 0)
        time_set_deadline(next);
}

static int user_range_ok(uint32_t addr, uint32_t len)
{
    return addr >= user_window_start && len <= user_window_end - addr && addr <= user_window_end;
}

void task_complete(int task, int32_t result)
{
    if (task < 0 || task >= MAX_TASKS || tasks[task].state != TASK_BLOCKED)
        return;
    tasks[task].frame.r[0] = (uint32_t)result;
    tasks[task].state = TASK_RUNNABLE;
}

/* SYS_blk_io: the request block is copied out of the user window first; blkfront checks the buffer itself. */
static struct xenarm_trap_frame *sys_blk_io(struct task *t, uint32_t addr)
{
    struct guest_blk_io io;
    if ((addr & 3u) != 0 || !user_range_ok(addr, sizeof io)) {
        t->frame.r[0] = (uint32_t)-EFAULT;
        return &t->frame;
    }
    memcpy(&io, (const void *)addr, sizeof io);
    int rc = blkfront_sys_io(&io, current);
    if (rc != BLKFRONT_PENDING) {
        t->frame.r[0] = (uint32_t)rc;
        return &t->frame;
    }
    t->state = TASK_BLOCKED;
    return pick_next();
}

struct xenarm_trap_frame *task_syscall(struct xenarm_trap_frame *frame)
{
    struct task *t = save_current(frame);
    struct xenarm_trap_frame *f = &t->frame;
    uint32_t a0 = f->r[0], a1 = f->r[1], a2 = f->r[2];
    int32_t ret = 0;
    switch (f->r[7]) {
    case SYS_exit:
        t->state = TASK_DEAD;
        task_exit_codes_sum += (int)a0;
        return pick_next();
    case SYS_write:
        if (a0 != 1 && a0 != 2)
            ret = -EBADF;
        else if (!user_range_ok(a1, a2))
            ret = -EFAULT;
        else {
            console_write((const char *)a1, a2);
            ret = (int32_t)a2;
        }
        break;
    case SYS_yield:
        f->r[0] = 0;
        return pick_next();
    case SYS_sleep:
        f->r[0] = 0;
        t->wake_ns = time_now_ns() + (uint64_t)a0 * 1000000ull;
        t->state = TASK_SLEEPING;
        time_set_deadline(t->wake_ns);
        return pick_next();
    case SYS_getpid:
        ret = (int32_t)t->pid;
        break;
    case SYS_time:
        ret = (int32_t)fmt_udiv64(time_now_ns(), 1000000u, NULL);
        break;
    case SYS_blk_info: {
        struct guest_blk_info info;
        if ((a1 & 3u) != 0 || !user_range_ok(a1, sizeof info)) {
            ret = -EFAULT;
            break;
        }
        ret = blkfront_info(a0, &info);
        if (ret == 0)
            memcpy((void *)a1, &info, sizeof info);
        break;
    }
    case SYS_blk_io:
        return sys_blk_io(t, a0);
    default:
        ret = -ENOSYS;
        break;
    }
    f->r[0] = (uint32_t)ret;
    return f;
}
