/**
 * Page faults and user memory access (mm/memory.c, arch/x86/mm/fault.c, the uaccess
 * helpers). A first write to an anonymous page allocates it (do_anonymous_page); a write
 * to a page that a fork left mapped in two address spaces copies it (do_wp_page). The
 * kernel's own accesses to user memory (put_user of a tid, of a wait status) take the same
 * faults, and fail with -EFAULT where the address is not mapped for that access.
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kfunc, kleaf } from "../../sim/functions.js";
import { EFAULT } from "../include/errno.js";
import { type mm_struct, PAGE_SIZE, type page, VM_SHARED, VM_WRITE, type vm_area_struct } from "./mm_types.js";
import { kfree, kmem_cache_alloc } from "./slab.js";

/** find_vma: the mapping that contains addr, or null. */
export function find_vma(mm: mm_struct, addr: number): vm_area_struct | null {
  const maps = mm.mmap;
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = maps[mid] as vm_area_struct;
    if (addr < v.vm_start) hi = mid - 1;
    else if (addr >= v.vm_end) lo = mid + 1;
    else return v;
  }
  return null;
}

/** linear_page_index: the page of vma's mapping that addr falls in (vm_pgoff plus pages from vm_start). */
function linear_page_index(vma: vm_area_struct, addr: number): number {
  return vma.pgoff + Math.floor((addr - vma.vm_start) / PAGE_SIZE);
}

export function alloc_page(words: Map<number, number | string>): page | null {
  return kmem_cache_alloc<page>("page", PAGE_SIZE, () => ({ mapcount: 1, words, __slab: null }));
}

/** Unmaps a page from one page table; the last mapping frees it. */
export function put_page(p: page): void {
  if (--p.mapcount === 0) kfree(p);
}

/** do_anonymous_page: the first write to an anonymous page: a zeroed page of its own. */
const do_anonymous_page = kleaf(function do_anonymous_page(mm: mm_struct, vma: vm_area_struct, idx: number): boolean {
  // Under the page-table lock: another thread of this mm may have faulted it in meanwhile.
  if ((vma.pages as Map<number, page>).has(idx)) return true;
  const p = alloc_page(new Map());
  if (p === null) return false;
  (vma.pages as Map<number, page>).set(idx, p);
  if (vma.shmem === null) mm.rss_anon++; // a shared page is the shmem object's (RssShmem)
  return true;
});

/**
 * do_wp_page: a write to a page mapped read-only because a fork shares it. The last
 * sharer takes the page back; others copy it (wp_page_copy) and drop their share.
 */
const do_wp_page = kleaf(function do_wp_page(_mm: mm_struct, vma: vm_area_struct, idx: number): boolean {
  const pages = vma.pages as Map<number, page>;
  const old = pages.get(idx);
  if (old === undefined || old.mapcount === 1) return true;
  const copy = alloc_page(new Map(old.words));
  if (copy === null) return false;
  put_page(old);
  pages.set(idx, copy); // one anonymous page for another: the RSS count does not change
  return true;
});

/** What a fault ends in: handled, a bad access (SIGSEGV), or no memory (VM_FAULT_OOM). */
export type FaultResult = "ok" | "segv" | "oom";

/**
 * handle_mm_fault: makes addr accessible for a write (reads of a never-touched anonymous
 * page see zeros and need no page). Called only for an address inside a writable VMA.
 */
const handle_mm_fault = kfunc(function* handle_mm_fault(mm: mm_struct, vma: vm_area_struct, addr: number) {
  const idx = linear_page_index(vma, addr);
  const pages = vma.pages as Map<number, page>;
  const p = pages.get(idx);
  if (p === undefined) return (yield* do_anonymous_page(mm, vma, idx)) ? 0 : -1;
  if (p.mapcount > 1 && !(vma.vm_flags & VM_SHARED)) return (yield* do_wp_page(mm, vma, idx)) ? 0 : -1;
  return 0;
});

/** tasklab's own: whether a write to addr needs no fault (the page is there and not shared copy-on-write). */
function writeReady(vma: vm_area_struct, addr: number): page | null {
  const p = vma.pages?.get(linear_page_index(vma, addr));
  if (p === undefined) return null;
  return p.mapcount === 1 || vma.vm_flags & VM_SHARED ? p : null;
}

/** Reads the word at addr; null when the address is not mapped. Models get_user / copy_from_user. */
export function readUser(mm: mm_struct, addr: number): number | string | null {
  if (!Number.isSafeInteger(addr)) return null;
  const vma = find_vma(mm, addr);
  if (vma === null) return null;
  if (vma.pages === null) return 0;
  return vma.pages.get(linear_page_index(vma, addr))?.words.get(addr % PAGE_SIZE) ?? 0;
}

/**
 * Writes the word at addr, faulting the page in or copying it first if needed. Returns
 * "segv" for an address not mapped writable, "oom" when the page cannot be allocated.
 * Models put_user / copy_to_user (faulting).
 */
export function* writeUser(mm: mm_struct, addr: number, val: number | string): KGen<FaultResult> {
  if (!Number.isSafeInteger(addr)) return "segv";
  const vma = find_vma(mm, addr);
  if (vma === null || !(vma.vm_flags & VM_WRITE) || vma.pages === null) return "segv";
  let p = writeReady(vma, addr);
  if (p === null) {
    if ((yield* handle_mm_fault(mm, vma, addr)) < 0) return "oom";
    p = (vma.pages as Map<number, page>).get(linear_page_index(vma, addr)) as page;
  }
  p.words.set(addr % PAGE_SIZE, val);
  return "ok";
}

/** put_user: the kernel writes an int to user memory: 0, or -EFAULT. */
export function* put_user(val: number | string, mm: mm_struct | null, addr: number): KGen<number> {
  if (mm === null) return -EFAULT;
  return (yield* writeUser(mm, addr, val)) === "ok" ? 0 : -EFAULT;
}

/** get_user: the kernel reads an int from user memory: the value, or null for a fault. */
export function get_user(mm: mm_struct | null, addr: number): number | string | null {
  return mm === null ? null : readUser(mm, addr);
}

/** Pages of a range, rounded out (for the cost of copying or zapping page tables). Models vma_pages. */
export function rangePages(start: number, end: number): number {
  return Math.ceil((end - start) / PAGE_SIZE);
}

/** Spends `ns` of CPU time on the running task (a cost that grows with the work done). */
export function* spend(ns: number): KGen<void> {
  if (ns > 0 && !activeEngine().advance(ns)) yield ns;
}
