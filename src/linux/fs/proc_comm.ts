/**
 * The one file the model can open: /proc/<pid>/task/<tid>/comm (fs/proc/base.c,
 * comm_write), which glibc's pthread_setname_np writes to name another thread. Writing it
 * renames the thread (task_rename) if it is in the writer's thread group, else -EINVAL.
 * openat of any other path is -ENOENT.
 */
import { kfunc } from "../../sim/functions.js";
import { current } from "../include/current.js";
import { EINVAL, ENOENT, ESRCH } from "../include/errno.js";
import type { file } from "../include/task_struct.js";
import { find_pid_ns, task_active_pid_ns, task_tgid_nr_ns } from "../kernel/pid.js";
import { K } from "../kernel.js";
import { set_task_comm } from "./exec.js";
import { openFile } from "./file.js";

const PROC_COMM = /^\/proc\/(self|\d+)\/task\/(\d+)\/comm$/;

/** openat(dirfd, path, flags, mode): only /proc/<pid>/task/<tid>/comm exists. */
export const __x64_sys_openat = kfunc(function* __x64_sys_openat(_dfd: number, filename: unknown) {
  if (typeof filename !== "string") return -14; // -EFAULT
  const m = PROC_COMM.exec(filename);
  if (m === null) return -ENOENT;
  const me = current();
  const ns = task_active_pid_ns(me) ?? K.init_pid_ns;
  const tgid = m[1] === "self" ? task_tgid_nr_ns(me, ns) : Number(m[1]);
  const pid = find_pid_ns(Number(m[2]), ns);
  const t = pid?.task ?? null;
  if (pid === null || t === null || t.exit_state !== 0 || task_tgid_nr_ns(t, ns) !== tgid) return -ENOENT;
  if (me.files === null) return -ESRCH;
  return openFile(me.files, "proc_comm", pid);
});

/** comm_write: renames the thread the file refers to, if it is in the writer's group. */
export function comm_write(f: file, buf: string): number {
  const t = f.pid?.task ?? null;
  if (t === null) return -ESRCH;
  if (t.tgid !== current().tgid) return -EINVAL;
  set_task_comm(t, buf.replace(/\n$/, ""));
  return buf.length;
}
