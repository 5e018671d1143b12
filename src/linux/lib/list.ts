/**
 * Doubly linked lists in the shape of include/linux/list.h: a node embedded in the
 * object it links (`entry` stands in for container_of), O(1) insertion and removal, and
 * iteration in insertion order, which keeps every walk deterministic.
 */
import { stateClass } from "../../sim/code.js";
export class list_head<T = unknown> {
  next: list_head<T> = this;
  prev: list_head<T> = this;
  constructor(readonly entry: T | null = null) {}

  /** The entries in order; the current one may be removed during the walk. */
  [Symbol.iterator](): Iterator<T> {
    return new list_iterator(this, this.next);
  }
}

/** A walk of a list: a plain object, not a generator (lists are walked on hot paths). */
class list_iterator<T> implements Iterator<T> {
  constructor(
    private readonly head: list_head<T>,
    private n: list_head<T>,
  ) {}

  next(): IteratorResult<T> {
    const n = this.n;
    if (n === this.head) return { value: undefined, done: true };
    this.n = n.next; // read before the caller may unlink n
    return { value: n.entry as T, done: false };
  }
}

export function INIT_LIST_HEAD<T>(h: list_head<T>): void {
  h.next = h;
  h.prev = h;
}

export function list_empty<T>(h: list_head<T>): boolean {
  return h.next === h;
}

export function list_add_tail<T>(n: list_head<T>, h: list_head<T>): void {
  const prev = h.prev;
  n.next = h;
  n.prev = prev;
  prev.next = n;
  h.prev = n;
}

export function list_add<T>(n: list_head<T>, h: list_head<T>): void {
  list_add_tail(n, h.next);
}

export function list_del_init<T>(n: list_head<T>): void {
  n.prev.next = n.next;
  n.next.prev = n.prev;
  INIT_LIST_HEAD(n);
}

/** The object of the first node (list_first_entry); the list must not be empty. */
export function list_first_entry<T>(h: list_head<T>): T {
  return h.next.entry as T;
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("list_head", list_head);
