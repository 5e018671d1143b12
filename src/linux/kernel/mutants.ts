/**
 * Mutants: deliberately broken variants of the kthread creation protocol, for checking
 * that the explorer finds what is wrong with them (`--mutant NAME`). Each is a switch read
 * at the one place it changes; the unmutated kernel is what the real one does.
 */
import { K } from "../kernel.js";

export const MUTANTS = {
  "split-xchg":
    "a killed creator reads create->done and clears it in two steps, not with one xchg: the new thread can take the token in between",
  "kthreadd-free-unchecked":
    "after a failed fork kthreadd frees the request without taking the token: the creator may still be waiting on it",
  "wake-before-queue":
    "the creator wakes kthreadd before its request is on kthread_create_list: kthreadd can find the list empty and sleep",
  "unkillable-wait":
    "the creator waits for kthreadd uninterruptibly (no wait_for_completion_killable): a SIGKILL does not free it",
} as const;

export type Mutant = keyof typeof MUTANTS;

export function isMutant(name: string): name is Mutant {
  return Object.hasOwn(MUTANTS, name);
}

/** Whether the running kernel is this mutant. */
export function mutated(m: Mutant): boolean {
  return K.cfg.mutant === m;
}
