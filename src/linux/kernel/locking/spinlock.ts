/**
 * Spinlocks (kernel/locking/spinlock.c): taking one disables preemption (the _irq and
 * _irqsave forms also mask interrupts on this CPU); a CPU that finds it held spins,
 * burning virtual time, until the holder releases it. Sleeping while holding one is
 * reported by schedule() as "scheduling while atomic". With lockdep on, each lock taken
 * and released is told to it (lockdep.ts).
 */
import { activeEngine } from "../../../sim/engine.js";
import { kfunc } from "../../../sim/functions.js";
import { current } from "../../include/current.js";
import type { spinlock_t } from "../../include/task_struct.js";
import { K } from "../../kernel.js";
import { local_irq_disable, local_irq_enable, preempt_disable, preempt_enable } from "../sched/core.js";
import { lock_acquire, lock_release } from "./lockdep.js";

export function DEFINE_SPINLOCK(name: string): spinlock_t {
  return { name, owner: null };
}

/**
 * Takes the lock if it is free and says whether it did (lockdep is told first either way).
 * Preemption is off. The uncontended case, nearly every one, makes no generator.
 */
function do_raw_spin_trylock(lock: spinlock_t): boolean {
  if (K.lockdep !== null) lock_acquire(K.lockdep, lock);
  if (lock.owner !== null) return false;
  lock.owner = current();
  return true;
}

/** Models queued_spin_lock_slowpath: spins (in virtual time) until the held lock is free, takes it. */
function* rawSpinLockContended(lock: spinlock_t) {
  const cost = activeEngine().costOfName("spin_relax");
  while (lock.owner !== null) yield cost;
  lock.owner = current();
}

export const spin_lock = kfunc(function* spin_lock(lock: spinlock_t) {
  preempt_disable();
  if (!do_raw_spin_trylock(lock)) yield* rawSpinLockContended(lock);
});

export function spin_unlock(lock: spinlock_t): void {
  if (K.lockdep !== null) lock_release(lock);
  lock.owner = null;
  preempt_enable();
}

/** spin_lock_irq / spin_lock_irqsave: the same, with this CPU's interrupts masked. */
export const spin_lock_irq = kfunc(function* spin_lock_irq(lock: spinlock_t) {
  local_irq_disable();
  preempt_disable();
  if (!do_raw_spin_trylock(lock)) yield* rawSpinLockContended(lock);
});

export function spin_unlock_irq(lock: spinlock_t): void {
  if (K.lockdep !== null) lock_release(lock);
  lock.owner = null;
  local_irq_enable();
  preempt_enable();
}
