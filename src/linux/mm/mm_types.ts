/**
 * User address spaces (include/linux/mm_types.h), reduced to what makes sharing and
 * copy-on-write visible: named mappings (VMAs) of pages, each anonymous page a counted
 * object that a fork shares read-only until one side writes it.
 */
import type { Tracked } from "./slab.js";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const TASK_SIZE = 0x7ffffffff000;
/** Where mmap places mappings when given no address: below the C library. */
export const MMAP_BASE = 0x7ffff7c00000;

/** Where the pieces of a new program go (x86-64, no ASLR: the model is deterministic). */
export const EXEC_LAYOUT = {
  text: 0x400000,
  heap: 0x1000000,
  libc: MMAP_BASE,
  /** libc's writable data: its globals and the main thread's struct pthread (TLS). */
  libc_data: MMAP_BASE + 0x200000,
  /** The main thread's struct pthread, in libc's data. */
  main_tp: MMAP_BASE + 0x201000,
  stack_top: TASK_SIZE - 0x1000,
  stack_size: 132 * 1024,
} as const;

// vm_flags.
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_GROWSDOWN = 0x100;
export const VM_DONTCOPY = 0x20000;
export const VM_WIPEONFORK = 0x2000000;

/**
 * An anonymous page: its words (a cell holds a number, or a JS string standing for a C
 * string stored there) and how many page tables map it (_mapcount + 1). Written while
 * mapped more than once, a private page is copied first.
 */
export interface page extends Tracked {
  mapcount: number;
  words: Map<number, number | string>;
}

/**
 * The memory object behind a shared anonymous mapping (shmem): its pages, by page offset,
 * belong to it, not to any one mapping, so every mapping of it (a fork's copies included)
 * sees every write. Freed with its last mapping.
 */
export interface shmem_object extends Tracked {
  users: number;
  pages: Map<number, page>;
  /** Waiters of shared futexes in it, keyed by offset (what every process mapping it agrees on). */
  futex_queue: futex_q[];
}

export interface vm_area_struct extends Tracked {
  vm_start: number;
  vm_end: number;
  vm_flags: number;
  /** What /proc/<pid>/maps shows in its last column ("" for an anonymous mapping). */
  name: string;
  /** Anonymous pages by page index; a missing one was never touched. File mappings have none. */
  pages: Map<number, page> | null;
  /** MAP_SHARED|MAP_ANONYMOUS: the object whose pages `pages` is, and this mapping's first page in it. */
  shmem: shmem_object | null;
  pgoff: number;
  /** File mappings: how many of their pages are resident (page tables to copy at fork). */
  file_pages: number;
}

/** A futex waiter: a task sleeping on a word (an address of its mm, or an offset in a shmem object). */
export interface futex_q {
  task: import("../include/task_struct.js").task_struct;
  addr: number;
  woken: boolean;
}

export interface mm_struct extends Tracked {
  /** Tasks using it (CLONE_VM sharers); the last one going tears it down. */
  mm_users: number;
  /** The mappings, sorted by address. */
  mmap: vm_area_struct[];
  /** Where the next mmap without a hint goes (mappings grow down from here). */
  mmap_base: number;
  /** Pages mapped (total_vm) and anonymous pages resident (the RSS anon counter). */
  total_vm: number;
  rss_anon: number;
  /** Private futex waiters of this address space, in the order they queued. */
  futex_queue: futex_q[];
}
