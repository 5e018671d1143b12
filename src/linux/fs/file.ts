/**
 * File descriptor tables (fs/file.c, fs/file_table.c): a table is shared with CLONE_FILES
 * and copied otherwise (every open file gains a reference); fds are allocated lowest
 * first; a file goes away with its last reference. Descriptors 0–2 are the terminal every
 * task inherits (a static file, not modeled further).
 */
import { knownTable } from "../../sim/code.js";
import { EBADF, ENOMEM } from "../include/errno.js";
import type { file, files_struct, pid } from "../include/task_struct.js";
import { get_pid, put_pid } from "../kernel/pid.js";
import { kfree, kmem_cache_alloc } from "../mm/slab.js";

/**
 * A reserved descriptor number: taken, but not yet pointing at a file (get_unused_fd_flags).
 * Known by identity, never changed: frozen and shared by every machine, its snapshots and
 * its saved states (src/sim/code.ts).
 */
const RESERVED: file = Object.freeze({ f_count: 1, kind: "tty", f_flags: 0, pid: null, __slab: null }) as file;
knownTable("RESERVED_FD", RESERVED);

export const FILES_STRUCT_SIZE = 704;

/**
 * init_files: the table the first tasks start with, fds 0–2 on the machine's terminal (a
 * static file, never freed: one per machine, whose count is that machine's).
 */
export function init_files(): files_struct {
  const tty: file = { f_count: 1, kind: "tty", f_flags: 0, pid: null, __slab: null };
  return { count: 1, fd: [tty, tty, tty], __slab: null };
}

export function get_file(f: file): file {
  f.f_count++;
  return f;
}

/** fput: drops a reference; the last one releases what the file holds. */
export function fput(f: file): void {
  if (f.__slab === null || --f.f_count > 0) return;
  if (f.pid !== null) put_pid(f.pid);
  kfree(f);
}

/** alloc_file: a new open file of `kind` referring to `pid` (it takes a reference to it), with f_flags. */
export function alloc_file(kind: file["kind"], pid: pid | null, f_flags = 0): file | null {
  const f = kmem_cache_alloc<file>("filp", 232, () => ({ f_count: 1, kind, f_flags, pid, __slab: null }));
  if (f !== null && pid !== null) get_pid(pid);
  return f;
}

/**
 * A new file installed at the lowest free descriptor: the descriptor, or -EMFILE / -ENOMEM.
 * Models get_unused_fd_flags + fd_install.
 */
export function openFile(files: files_struct, kind: file["kind"], pid: pid | null, f_flags = 0): number {
  const fd = get_unused_fd(files);
  if (fd < 0) return fd;
  const f = alloc_file(kind, pid, f_flags);
  if (f === null) {
    put_unused_fd(files, fd);
    return -ENOMEM;
  }
  fd_install(files, fd, f);
  return fd;
}

/** dup_fd: a copy of the table; each open file gains a reference. Null when out of memory. */
export function dup_fd(old: files_struct): files_struct | null {
  const files = kmem_cache_alloc<files_struct>("files_cache", FILES_STRUCT_SIZE, () => ({
    count: 1,
    fd: old.fd.map((f) => (f === null || f === RESERVED ? null : get_file(f))),
    __slab: null,
  }));
  return files;
}

/** put_files_struct: the last user closes every descriptor and frees the table. */
export function put_files_struct(files: files_struct): void {
  if (--files.count !== 0) return;
  for (const f of files.fd) if (f !== null && f !== RESERVED) fput(f);
  files.fd = [];
  if (files.__slab !== null) kfree(files);
}

/** get_unused_fd_flags: reserves the lowest free descriptor. */
export function get_unused_fd(files: files_struct): number {
  let fd = files.fd.indexOf(null);
  if (fd < 0) fd = files.fd.length;
  if (fd >= 1024) return -24; // -EMFILE (RLIMIT_NOFILE's default soft limit)
  files.fd[fd] = RESERVED;
  return fd;
}

export function put_unused_fd(files: files_struct, fd: number): void {
  if (files.fd[fd] === RESERVED) files.fd[fd] = null;
}

/** fd_install: the reserved descriptor now points at f. */
export function fd_install(files: files_struct, fd: number, f: file): void {
  files.fd[fd] = f;
}

/** close_fd: 0, or -EBADF for a descriptor that is not open. */
export function close_fd(files: files_struct, fd: number): number {
  const f = Number.isInteger(fd) && fd >= 0 ? files.fd[fd] : undefined;
  if (f === undefined || f === null || f === RESERVED) return -EBADF;
  files.fd[fd] = null;
  fput(f);
  return 0;
}

/** fget: the open file at fd, or null. */
export function fget(files: files_struct, fd: number): file | null {
  const f = Number.isInteger(fd) && fd >= 0 ? files.fd[fd] : undefined;
  return f === undefined || f === RESERVED ? null : f;
}
