/**
 * The pid numbers in use in a namespace (the idr's bitmap): one byte per number, in pages
 * made when first written and shared copy-on-write with a machine's snapshots, so a
 * snapshot costs the pages in use (one, for the first 4,096 pids), not pid_max bytes.
 */

import { COPY, HASH } from "../../sim/classes.js";
import { stateClass } from "../../sim/code.js";
import type { Copier, CustomCopy } from "../../sim/copy.js";
import type { CustomHash, Hasher } from "../../sim/hash.js";

const PAGE_SHIFT = 12;
const PAGE = 1 << PAGE_SHIFT;

export class pid_bitmap implements CustomCopy, CustomHash {
  /** The pages by number; undefined: never written (all free). */
  private pages: (Uint8Array | undefined)[];
  /** Which pages this bitmap alone holds (it may write them in place); the others are shared. */
  private owned: Uint8Array;

  constructor(readonly size: number) {
    const n = Math.ceil(size / PAGE);
    this.pages = new Array<Uint8Array | undefined>(n).fill(undefined);
    this.owned = new Uint8Array(n);
  }

  has(nr: number): boolean {
    const page = this.pages[nr >>> PAGE_SHIFT];
    return page !== undefined && page[nr & (PAGE - 1)] === 1;
  }

  set(nr: number): void {
    this.writable(nr >>> PAGE_SHIFT)[nr & (PAGE - 1)] = 1;
  }

  clear(nr: number): void {
    if (this.has(nr)) this.writable(nr >>> PAGE_SHIFT)[nr & (PAGE - 1)] = 0;
  }

  private writable(i: number): Uint8Array {
    let page = this.pages[i];
    if (this.owned[i] === 0) {
      page = page === undefined ? new Uint8Array(PAGE) : page.slice();
      this.pages[i] = page;
      this.owned[i] = 1;
    }
    return page as Uint8Array;
  }

  /** A snapshot's copy: the pages are shared, and whichever side writes one first copies it. */
  [COPY](c: Copier): object {
    const n = Object.create(pid_bitmap.prototype) as pid_bitmap;
    c.made(this, n);
    Object.assign(n, { size: this.size, pages: this.pages.slice(), owned: new Uint8Array(this.owned.length) });
    this.owned.fill(0);
    return n;
  }

  /** The numbers in use, in order (which pages are shared is no part of the state). */
  [HASH](h: Hasher): void {
    h.value(this.size);
    for (let i = 0; i < this.pages.length; i++) {
      const page = this.pages[i];
      if (page === undefined) continue;
      for (let j = 0; j < PAGE; j++) if (page[j] === 1) h.value((i << PAGE_SHIFT) + j);
    }
  }
}

// Saved states name these classes' instances (src/sim/code.ts).
stateClass("pid_bitmap", pid_bitmap);
