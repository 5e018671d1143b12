/**
 * Address-space layout (mm/mmap.c, mm/vma.c, kernel/fork.c's dup_mmap): creating and
 * removing mappings, the copy a fork makes (every VMA duplicated, anonymous pages shared
 * copy-on-write, page-table copying that costs time per resident page), and the teardown
 * when the last user goes. Addresses are plain numbers below TASK_SIZE.
 */
import { activeEngine, type KGen } from "../../sim/engine.js";
import { kfunc, kleaf } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EBADF, EINVAL, ENOMEM } from "../include/errno.js";
import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "../include/uapi/mman.js";
import { put_page, rangePages, spend } from "./memory.js";
import {
  MMAP_BASE,
  type mm_struct,
  PAGE_SIZE,
  type page,
  type shmem_object,
  TASK_SIZE,
  VM_DONTCOPY,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_READ,
  VM_SHARED,
  VM_WIPEONFORK,
  VM_WRITE,
  type vm_area_struct,
} from "./mm_types.js";
import { kfree, kmem_cache_alloc } from "./slab.js";

const MM_STRUCT_SIZE = 1408;
const VMA_SIZE = 184;

/** mm_alloc: an empty address space. */
export function mm_alloc(): mm_struct | null {
  return kmem_cache_alloc<mm_struct>("mm_struct", MM_STRUCT_SIZE, () => ({
    mm_users: 1,
    mmap: [],
    mmap_base: MMAP_BASE,
    total_vm: 0,
    rss_anon: 0,
    futex_queue: [],
    __slab: null,
  }));
}

function vm_area_alloc(start: number, end: number, flags: number, name: string, anon: boolean): vm_area_struct | null {
  return kmem_cache_alloc<vm_area_struct>("vm_area_struct", VMA_SIZE, () => ({
    vm_start: start,
    vm_end: end,
    vm_flags: flags,
    name,
    pages: anon ? new Map() : null,
    shmem: null,
    pgoff: 0,
    file_pages: 0,
    __slab: null,
  }));
}

function vm_area_free(vma: vm_area_struct): void {
  const shmem = vma.shmem;
  if (shmem !== null) {
    if (--shmem.users === 0) {
      for (const p of shmem.pages.values()) put_page(p);
      kfree(shmem);
    }
  } else if (vma.pages !== null) for (const p of vma.pages.values()) put_page(p);
  kfree(vma);
}

/** Models insert_vm_struct / vma_link. */
function insertVma(mm: mm_struct, vma: vm_area_struct): void {
  let i = mm.mmap.length;
  while (i > 0 && (mm.mmap[i - 1] as vm_area_struct).vm_start > vma.vm_start) i--;
  mm.mmap.splice(i, 0, vma);
  mm.total_vm += rangePages(vma.vm_start, vma.vm_end);
}

function overlaps(mm: mm_struct, start: number, end: number): boolean {
  return mm.mmap.some((v) => v.vm_start < end && start < v.vm_end);
}

/** get_unmapped_area, top-down: the highest gap of `len` bytes below mmap_base. */
function get_unmapped_area(mm: mm_struct, len: number): number {
  let top = mm.mmap_base;
  for (let i = mm.mmap.length - 1; i >= 0; i--) {
    const v = mm.mmap[i] as vm_area_struct;
    if (v.vm_start >= top) continue;
    if (v.vm_end <= top - len) break;
    top = v.vm_start;
  }
  return top - len >= PAGE_SIZE * 16 ? top - len : -ENOMEM;
}

/**
 * do_mmap: a new mapping of `len` bytes (rounded up to pages) at `addr` (0: anywhere).
 * Anonymous unless `file_pages` is given (a file's resident pages). Returns its address
 * or a negative errno.
 */
export const do_mmap = kleaf(function do_mmap(
  mm: mm_struct,
  addr: number,
  len: number,
  vm_flags: number,
  name: string,
  file_pages: number,
): number {
  if (len === 0) return -EINVAL;
  // size_t: a negative length is a huge one; either is more than user space holds.
  if (!Number.isSafeInteger(len) || len < 0 || len > TASK_SIZE) return -ENOMEM;
  const size = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  let start = addr;
  if (start === 0) start = get_unmapped_area(mm, size);
  else if (start % PAGE_SIZE !== 0) return -EINVAL;
  else if (start > TASK_SIZE - size) return -ENOMEM;
  else if (overlaps(mm, start, start + size)) return -EINVAL;
  if (start < 0) return start;
  const vma = vm_area_alloc(start, start + size, vm_flags, name, file_pages < 0);
  if (vma === null) return -ENOMEM;
  if (file_pages >= 0) vma.file_pages = Math.min(file_pages, size / PAGE_SIZE);
  else if (vm_flags & VM_SHARED) {
    // shmem_zero_setup: a shared anonymous mapping is backed by a memory object of its own.
    const shmem = kmem_cache_alloc<shmem_object>("shmem_inode_cache", 760, () => ({
      users: 1,
      pages: vma.pages as Map<number, page>,
      futex_queue: [],
      __slab: null,
    }));
    if (shmem === null) {
      kfree(vma);
      return -ENOMEM;
    }
    vma.shmem = shmem;
  }
  insertVma(mm, vma);
  return start;
});

/** Splits off the part of vma from `at` on into a new VMA (pages move with it). */
function split_vma(mm: mm_struct, vma: vm_area_struct, at: number): vm_area_struct | null {
  const tail = vm_area_alloc(at, vma.vm_end, vma.vm_flags, vma.name, vma.pages !== null);
  if (tail === null) return null;
  const first = (at - vma.vm_start) / PAGE_SIZE;
  if (vma.shmem !== null) {
    // Both halves map the same object, the tail from further in.
    tail.pages = vma.shmem.pages;
    tail.shmem = vma.shmem;
    tail.pgoff = vma.pgoff + first;
    vma.shmem.users++;
  } else if (vma.pages !== null) {
    for (const [i, p] of [...vma.pages]) {
      if (i < first) continue;
      vma.pages.delete(i);
      (tail.pages as Map<number, page>).set(i - first, p);
    }
  } else {
    const headPages = first;
    tail.file_pages = Math.max(0, vma.file_pages - headPages);
    vma.file_pages -= tail.file_pages;
  }
  vma.vm_end = at;
  mm.mmap.splice(mm.mmap.indexOf(vma) + 1, 0, tail);
  return tail;
}

/** do_munmap: removes [start, start+len), splitting mappings it cuts. 0 or -errno. */
export const do_munmap = kleaf(function do_munmap(mm: mm_struct, start: number, len: number): number {
  if (!Number.isSafeInteger(start) || start % PAGE_SIZE !== 0 || !Number.isSafeInteger(len) || len <= 0) return -EINVAL;
  const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (end > TASK_SIZE) return -EINVAL;
  for (const v of [...mm.mmap]) {
    if (v.vm_end <= start || v.vm_start >= end) continue;
    if (v.vm_start < start && split_vma(mm, v, start) === null) return -ENOMEM;
  }
  for (const v of [...mm.mmap]) {
    if (v.vm_end <= start || v.vm_start >= end) continue;
    if (v.vm_end > end && split_vma(mm, v, end) === null) return -ENOMEM;
  }
  for (const v of [...mm.mmap]) {
    if (v.vm_start >= start && v.vm_end <= end) {
      mm.mmap.splice(mm.mmap.indexOf(v), 1);
      mm.total_vm -= rangePages(v.vm_start, v.vm_end);
      if (v.pages !== null && v.shmem === null) mm.rss_anon -= v.pages.size;
      vm_area_free(v);
    }
  }
  return 0;
});

/** Page-table entries a mapping has (what copying or zapping it walks). */
function resident(v: vm_area_struct): number {
  return v.pages === null ? v.file_pages : v.pages.size;
}

/**
 * dup_mmap: the child's copy of every mapping. Anonymous pages are not copied: both
 * page tables map them, write-protected, and the first write on either side copies
 * (do_wp_page). VM_DONTCOPY mappings are left out; VM_WIPEONFORK ones start empty.
 * Copying page tables costs time per resident page. Returns 0 or -ENOMEM.
 */
export const dup_mmap = kfunc(function* dup_mmap(mm: mm_struct, oldmm: mm_struct): KGen<number> {
  let ptes = 0;
  for (const v of oldmm.mmap) {
    if (v.vm_flags & VM_DONTCOPY) continue;
    const copy = vm_area_alloc(v.vm_start, v.vm_end, v.vm_flags, v.name, v.pages !== null);
    if (copy === null) return -ENOMEM;
    copy.file_pages = v.file_pages;
    if (v.shmem !== null) {
      // A shared mapping stays shared: the child maps the same object.
      copy.pages = v.shmem.pages;
      copy.shmem = v.shmem;
      copy.pgoff = v.pgoff;
      v.shmem.users++;
    } else if (v.pages !== null && !(v.vm_flags & VM_WIPEONFORK)) {
      for (const [i, p] of v.pages) {
        p.mapcount++;
        (copy.pages as Map<number, page>).set(i, p);
      }
      mm.rss_anon += v.pages.size;
    }
    ptes += resident(copy);
    insertVma(mm, copy);
  }
  yield* spend(ptes * activeEngine().costOfName("copy_pte"));
  return 0;
});

/** exit_mmap: the last user is gone: every mapping and page is released. */
export const exit_mmap = kfunc(function* exit_mmap(mm: mm_struct) {
  let ptes = 0;
  for (const v of mm.mmap) {
    ptes += resident(v);
    vm_area_free(v);
  }
  mm.mmap = [];
  mm.total_vm = 0;
  mm.rss_anon = 0;
  yield* spend(ptes * activeEngine().costOfName("zap_pte"));
});

/**
 * mmap(addr, length, prot, flags, fd, offset), anonymous mappings only (a file needs a
 * file system the model does not have: -EBADF). Returns the address or a negative errno.
 */
export const __x64_sys_mmap = kfunc(function* __x64_sys_mmap(
  addr: number,
  len: number,
  prot: number,
  flags: number,
  _fd: number,
  off: number,
) {
  const mm = current().mm;
  if (mm === null) return -ENOMEM;
  // x86's sys_mmap: the offset first; then ksys_mmap_pgoff: the file (none can be mapped
  // here); then do_mmap: the mapping type.
  if (!Number.isSafeInteger(off) || off % PAGE_SIZE !== 0) return -EINVAL;
  if (!Number.isInteger(flags) || !(flags & MAP_ANONYMOUS)) return -EBADF;
  if (!Number.isSafeInteger(addr) || !Number.isInteger(prot)) return -EINVAL;
  const type = flags & (MAP_SHARED | MAP_PRIVATE);
  if (type !== MAP_SHARED && type !== MAP_PRIVATE) return -EINVAL;
  let vm_flags = 0;
  if (prot & PROT_READ) vm_flags |= VM_READ;
  if (prot & PROT_WRITE) vm_flags |= VM_WRITE;
  if (prot & PROT_EXEC) vm_flags |= VM_EXEC;
  if (type === MAP_SHARED) vm_flags |= VM_SHARED;
  if (flags & MAP_GROWSDOWN) vm_flags |= VM_GROWSDOWN;
  let hint = 0;
  if (flags & MAP_FIXED) {
    if (addr % PAGE_SIZE !== 0) return -EINVAL;
    // A bad length or a range past user space fails before anything is unmapped.
    if (!Number.isSafeInteger(len) || len <= 0) return yield* do_mmap(mm, addr, len, vm_flags, "", -1);
    if (addr > TASK_SIZE - Math.ceil(len / PAGE_SIZE) * PAGE_SIZE) return -ENOMEM;
    const r = yield* do_munmap(mm, addr, len);
    if (r < 0) return r;
    hint = addr;
  }
  return yield* do_mmap(mm, hint, len, vm_flags, "", -1);
});

/** munmap(addr, length). */
export const __x64_sys_munmap = kfunc(function* __x64_sys_munmap(addr: number, len: number) {
  const mm = current().mm;
  if (mm === null) return -EINVAL;
  return yield* do_munmap(mm, addr, len);
});
