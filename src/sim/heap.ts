/**
 * An indexed binary min-heap: items remember their slot, so a keyed item can be
 * re-positioned or removed in O(log n). Used for the CPUs ordered by their next event
 * and for timers.
 */
import { stateClass } from "./code.js";
export interface HeapItem {
  heapIndex: number; // -1 when not in a heap
}

export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** The smaller of the root's two children: the minimum once the root is set aside. */
  peekSecond(): T | undefined {
    const a = this.items[1];
    const b = this.items[2];
    if (a === undefined || b === undefined) return a;
    return this.less(b, a) ? b : a;
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.items.pop() as T;
    item.heapIndex = -1;
    if (i === this.items.length) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.update(last);
  }

  /** Restores heap order after the key of `item` changed (or inserts it). */
  update(item: T): void {
    if (item.heapIndex < 0) {
      this.push(item);
      return;
    }
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!this.less(item, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r] as T, items[l] as T) ? r : l;
      const child = items[c] as T;
      if (!this.less(child, item)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("IndexedHeap", IndexedHeap);
