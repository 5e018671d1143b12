/**
 * Futexes (kernel/futex/): FUTEX_WAIT sleeps while the word at uaddr still holds the
 * expected value; FUTEX_WAKE wakes waiters of that word. Private futexes (pthread_join's) are
 * keyed by mm and address, shared ones in MAP_SHARED memory by the shmem object and offset.
 * The exiting thread's CLONE_CHILD_CLEARTID write is followed by a wake of its tid word.
 */
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EAGAIN, EFAULT, EINVAL, ENOSYS, ERESTARTSYS } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/sched.js";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "../include/uapi/futex.js";
import { find_vma, readUser } from "../mm/memory.js";
import type { futex_q, mm_struct } from "../mm/mm_types.js";
import { PAGE_SIZE, TASK_SIZE } from "../mm/mm_types.js";
import { schedule, wake_up_state } from "./sched/core.js";
import { signal_pending } from "./signal.js";

/**
 * get_futex_key: where waiters of a word queue and what identifies the word. A private
 * futex, or a word of private memory, is (its mm, its address); a shared futex in a
 * MAP_SHARED mapping is (the shmem object, the word's offset in it), the same in every
 * process that maps it.
 */
export interface futex_key {
  queue: futex_q[];
  key: number;
}

export function get_futex_key(mm: mm_struct, uaddr: number, shared: boolean): futex_key {
  const vma = shared ? find_vma(mm, uaddr) : null;
  if (vma?.shmem) {
    return { queue: vma.shmem.futex_queue, key: vma.pgoff * PAGE_SIZE + (uaddr - vma.vm_start) };
  }
  return { queue: mm.futex_queue, key: uaddr };
}

function unqueue(k: futex_key, q: futex_q): void {
  const i = k.queue.indexOf(q);
  if (i >= 0) k.queue.splice(i, 1);
}

/**
 * futex_wait: sleeps (S) on uaddr if it still holds val. 0 when woken, -EAGAIN if the word
 * already changed, -EFAULT for a bad address, -ERESTARTSYS when a signal came first.
 */
export const futex_wait = kfunc(function* futex_wait(mm: mm_struct, k: futex_key, uaddr: number, val: number) {
  const me = current();
  const q: futex_q = { task: me, addr: k.key, woken: false };
  // The value is read with the waiter already queued (futex_wait_setup), so a wake between
  // the check and the sleep is not lost.
  k.queue.push(q);
  const cur = readUser(mm, uaddr);
  if (cur === null) {
    unqueue(k, q);
    return -EFAULT;
  }
  if (cur !== val) {
    unqueue(k, q);
    return -EAGAIN;
  }
  for (;;) {
    me.__state = TASK_INTERRUPTIBLE;
    if (q.woken) break;
    if (signal_pending(me)) {
      me.__state = TASK_RUNNING;
      unqueue(k, q);
      return -ERESTARTSYS;
    }
    yield* schedule();
  }
  me.__state = TASK_RUNNING;
  return 0;
});

/** futex_wake: wakes up to nr waiters of uaddr, oldest first; returns how many. */
export const futex_wake = kfunc(function* futex_wake(k: futex_key, nr: number): KGen<number> {
  let woken = 0;
  for (const q of [...k.queue]) {
    if (woken >= nr) break;
    if (q.addr !== k.key) continue;
    unqueue(k, q);
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
  const k = get_futex_key(mm, uaddr, !(op & FUTEX_PRIVATE_FLAG));
  switch (cmd) {
    case FUTEX_WAIT:
      return yield* futex_wait(mm, k, uaddr, val | 0);
    case FUTEX_WAKE:
      return yield* futex_wake(k, val <= 0 ? 0 : val);
    default:
      return -ENOSYS;
  }
});
