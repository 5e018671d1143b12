/**
 * Futexes (kernel/futex/), the private kind pthread_join uses: FUTEX_WAIT sleeps while the
 * word at uaddr still holds the expected value; FUTEX_WAKE wakes waiters of that word. The
 * exiting thread's CLONE_CHILD_CLEARTID write is followed by a wake of its tid word.
 */
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EAGAIN, EFAULT, EINVAL, ENOSYS, ERESTARTSYS } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/sched.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "../include/uapi/futex.js";
import { find_vma, read_user } from "../mm/memory.js";
import type { futex_q, mm_struct } from "../mm/mm_types.js";
import { TASK_SIZE } from "../mm/mm_types.js";
import { schedule, wake_up_state } from "./sched/core.js";
import { signal_pending } from "./signal.js";

function unqueue(mm: mm_struct, q: futex_q): void {
  const i = mm.futex_queue.indexOf(q);
  if (i >= 0) mm.futex_queue.splice(i, 1);
}

/**
 * futex_wait: sleeps (S) on uaddr if it still holds val. 0 when woken, -EAGAIN if the word
 * already changed, -EFAULT for a bad address, -ERESTARTSYS when a signal came first.
 */
export const futex_wait = kfunc(function* futex_wait(mm: mm_struct, uaddr: number, val: number) {
  const me = current();
  const q: futex_q = { task: me, addr: uaddr, woken: false };
  // The value is read with the waiter already queued (futex_wait_setup), so a wake between
  // the check and the sleep is not lost.
  mm.futex_queue.push(q);
  const cur = read_user(mm, uaddr);
  if (cur === null) {
    unqueue(mm, q);
    return -EFAULT;
  }
  if (cur !== val) {
    unqueue(mm, q);
    return -EAGAIN;
  }
  for (;;) {
    me.__state = TASK_INTERRUPTIBLE;
    if (q.woken) break;
    if (signal_pending(me)) {
      me.__state = TASK_RUNNING;
      unqueue(mm, q);
      return -ERESTARTSYS;
    }
    yield* schedule();
  }
  me.__state = TASK_RUNNING;
  return 0;
});

/** futex_wake: wakes up to nr waiters of uaddr, oldest first; returns how many. */
export const futex_wake = kfunc(function* futex_wake(mm: mm_struct, uaddr: number, nr: number): KGen<number> {
  let woken = 0;
  for (const q of [...mm.futex_queue]) {
    if (woken >= nr) break;
    if (q.addr !== uaddr) continue;
    unqueue(mm, q);
    q.woken = true;
    yield* wake_up_state(q.task, TASK_INTERRUPTIBLE);
    woken++;
  }
  return woken;
});

/** futex(uaddr, op, val, timeout, uaddr2, val3): FUTEX_WAIT and FUTEX_WAKE, private or not; no timeouts. */
export const __x64_sys_futex = kfunc(function* __x64_sys_futex(
  uaddr: number,
  op: number,
  val: number,
  timeout: unknown,
) {
  const mm = current().mm;
  if (mm === null) return -EFAULT;
  const cmd = (op | 0) & ~FUTEX_PRIVATE_FLAG;
  if (cmd !== FUTEX_WAIT && cmd !== FUTEX_WAKE) return -ENOSYS; // the operation is checked first
  if (timeout !== null && timeout !== undefined && timeout !== 0) return -EINVAL;
  // get_futex_key: an aligned user address; a shared futex must also be mapped.
  if (!Number.isSafeInteger(uaddr) || uaddr % 4 !== 0) return -EINVAL;
  if (uaddr < 0 || uaddr + 4 > TASK_SIZE) return -EFAULT;
  if (!(op & FUTEX_PRIVATE_FLAG) && find_vma(mm, uaddr) === null) return -EFAULT;
  switch (cmd) {
    case FUTEX_WAIT:
      return yield* futex_wait(mm, uaddr, val | 0);
    case FUTEX_WAKE:
      return yield* futex_wake(mm, uaddr, val <= 0 ? 0 : val);
    default:
      return -ENOSYS;
  }
});
