/**
 * Namespaces of a task (kernel/nsproxy.c): a task points at one nsproxy, shared until a
 * CLONE_NEW* flag (or unshare) asks for fresh namespaces. Mount, UTS, IPC, network,
 * cgroup and time namespaces are modeled as identities with reference counts; the pid
 * namespace for children is real (kernel/pid.ts).
 */
import { EINVAL, ENOMEM, EPERM } from "../include/errno.js";
import type { ns_common, nsproxy, task_struct, user_namespace } from "../include/task_struct.js";
import {
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWTIME,
  CLONE_NEWUTS,
  CLONE_SYSVSEM,
} from "../include/uapi/sched.js";
import { K } from "../kernel.js";
import { kfree, kmem_cache_alloc } from "../mm/slab.js";
import { CAP_SYS_ADMIN, ns_capable } from "./cred.js";
import { copy_pid_ns, get_pid_ns, type pid_namespace, put_pid_ns } from "./pid.js";

/** Every CLONE_NEW* flag copy_namespaces handles (CLONE_NEWUSER is copy_creds'). */
export const CLONE_NAMESPACES =
  CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

type Kind = ns_common["kind"];
const KIND_FLAG: readonly [Kind, keyof nsproxy, number][] = [
  ["mnt", "mnt_ns", CLONE_NEWNS],
  ["uts", "uts_ns", CLONE_NEWUTS],
  ["ipc", "ipc_ns", CLONE_NEWIPC],
  ["net", "net_ns", CLONE_NEWNET],
  ["cgroup", "cgroup_ns", CLONE_NEWCGROUP],
  ["time", "time_ns", CLONE_NEWTIME],
];

/** The proc inode numbers of the initial namespaces (PROC_*_INIT_INO) and where new ones start. */
const INIT_INO: Record<Kind, number> = {
  mnt: 0xeffffff8,
  uts: 0xeffffffe,
  ipc: 0xefffffff,
  net: 0xeffffff9,
  cgroup: 0xeffffffb,
  time: 0xeffffffa,
};

/** The static initial nsproxy (init_nsproxy). */
export function init_nsproxy(pid_ns: pid_namespace): nsproxy {
  const ns = (kind: Kind): ns_common => ({ kind, inum: INIT_INO[kind], count: 1, __slab: null });
  return {
    count: 1,
    mnt_ns: ns("mnt"),
    uts_ns: ns("uts"),
    ipc_ns: ns("ipc"),
    net_ns: ns("net"),
    cgroup_ns: ns("cgroup"),
    time_ns: ns("time"),
    pid_ns_for_children: pid_ns,
    __slab: null,
  };
}

/** Models create_*_ns (kmem_cache_alloc + ns_alloc_inum). */
function newNs(kind: Kind): ns_common | null {
  return kmem_cache_alloc<ns_common>(`${kind}_namespace`, 256, () => ({
    kind,
    inum: K.next_ns_inum++,
    count: 1,
    __slab: null,
  }));
}

/** Models put_*_ns (ns_ref_put in 6.18+). */
function putNs(ns: ns_common): void {
  if (--ns.count === 0 && ns.__slab !== null) kfree(ns);
}

export function get_nsproxy(ns: nsproxy): nsproxy {
  ns.count++;
  return ns;
}

/** put_nsproxy: the last reference frees the proxy and drops each namespace. */
export function put_nsproxy(ns: nsproxy): void {
  if (--ns.count !== 0) return;
  for (const [, field] of KIND_FLAG) putNs(ns[field] as ns_common);
  put_pid_ns(ns.pid_ns_for_children);
  kfree(ns);
}

/**
 * create_new_namespaces: a proxy like `old` with a fresh namespace for each CLONE_NEW*
 * flag (the new pid namespace owned by user_ns). Returns it or a negative errno.
 */
export function create_new_namespaces(flags: number, old: nsproxy, user_ns: user_namespace): nsproxy | number {
  const proxy = kmem_cache_alloc<nsproxy>("nsproxy", 72, () => ({ ...old, count: 1, __slab: null }));
  if (proxy === null) return -ENOMEM;
  const made: ns_common[] = [];
  for (const [kind, field, flag] of KIND_FLAG) {
    const fresh = flags & flag ? newNs(kind) : null;
    if (flags & flag && fresh === null) {
      for (const n of made) putNs(n);
      kfree(proxy);
      return -ENOMEM;
    }
    if (fresh !== null) made.push(fresh);
    const ns = fresh ?? (old[field] as ns_common);
    if (fresh === null) ns.count++;
    (proxy as unknown as Record<string, ns_common>)[field] = ns;
  }
  if (flags & CLONE_NEWPID) {
    const pid_ns = copy_pid_ns(old.pid_ns_for_children, user_ns);
    if (typeof pid_ns === "number") {
      proxy.pid_ns_for_children = get_pid_ns(old.pid_ns_for_children);
      proxy.count = 1;
      put_nsproxy(proxy);
      return pid_ns;
    }
    proxy.pid_ns_for_children = pid_ns;
  } else {
    proxy.pid_ns_for_children = get_pid_ns(old.pid_ns_for_children);
  }
  return proxy;
}

/**
 * copy_namespaces: shares the parent's nsproxy unless a CLONE_NEW* flag asks for new
 * namespaces, which needs CAP_SYS_ADMIN over the child's user namespace (so a new user
 * namespace makes the rest possible without privilege); CLONE_NEWIPC with CLONE_SYSVSEM is
 * -EINVAL.
 */
export function copy_namespaces(flags: number, tsk: task_struct): number {
  const old = tsk.nsproxy as nsproxy;
  const user_ns = tsk.cred.user_ns;
  if (!(flags & CLONE_NAMESPACES)) {
    get_nsproxy(old);
    return 0;
  }
  if (!ns_capable(user_ns, CAP_SYS_ADMIN)) return -EPERM;
  if ((flags & (CLONE_NEWIPC | CLONE_SYSVSEM)) === (CLONE_NEWIPC | CLONE_SYSVSEM)) return -EINVAL;
  const ns = create_new_namespaces(flags, old, user_ns);
  if (typeof ns === "number") return ns;
  tsk.nsproxy = ns;
  return 0;
}
