/**
 * poll and ppoll (fs/select.c, 6.19): the caller's struct pollfd array is copied in, each
 * descriptor asked what it is ready for, and, while none is, the caller sleeps (S) on the
 * wait queues of those that can wake it, until one does, the timeout runs out or a signal
 * comes. revents are written back in every case; the result is the number of entries with
 * revents set. The files that can be polled here: a pidfd (fs/pidfs.c pidfd_poll), the
 * terminal (always writable) and the /proc comm file (no ->poll: DEFAULT_POLLMASK).
 */
import type { KGen } from "../../sim/engine.js";
import { kfunc } from "../../sim/functions.js";
import { current, local_clock } from "../include/current.js";
import { EFAULT, EINVAL, ERESTART_RESTARTBLOCK, ERESTARTNOHAND } from "../include/errno.js";
import { TASK_INTERRUPTIBLE, TASK_RUNNING } from "../include/sched.js";
import type { file, task_struct, wait_queue_entry, wait_queue_head } from "../include/task_struct.js";
import {
  POLLERR,
  POLLFD_EVENTS,
  POLLFD_REVENTS,
  POLLFD_SIZE,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
} from "../include/uapi/poll.js";
import { RLIMIT_NOFILE_CUR } from "../include/uapi/resource.js";
import { schedule } from "../kernel/sched/core.js";
import { finish_wait, init_wait_entry, prepare_to_wait } from "../kernel/sched/wait.js";
import { signal_pending } from "../kernel/signal.js";
import { getSigset, set_current_blocked } from "../kernel/signal_mask.js";
import { schedule_hrtimeout } from "../kernel/time/timer.js";
import { get_user, put_user } from "../mm/memory.js";
import { fget } from "./file.js";
import { pidfdPollMask, pidWaitPidfd } from "./pidfs.js";

/** A file without a ->poll of its own is always ready for reading and writing. */
const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

interface pollfd {
  fd: number;
  events: number;
  revents: number;
}

/** The poll_table of one call: the queues its first pass registered on (poll_wait). */
interface poll_wqueues {
  entries: { wq: wait_queue_head; w: wait_queue_entry }[];
}

/** vfs_poll: what the file is ready for; a pidfd also queues the poller on its pid's wait_pidfd. */
function vfs_poll(f: file, me: task_struct, pt: poll_wqueues | null): number {
  if (f.kind === "tty") return POLLOUT | POLLWRNORM; // tty_poll with no input pending
  if (f.kind !== "pidfd") return DEFAULT_POLLMASK;
  if (pt !== null && f.pid !== null) {
    const wq = pidWaitPidfd(f.pid);
    const w = init_wait_entry(me, false);
    prepare_to_wait(wq, w, TASK_INTERRUPTIBLE);
    pt.entries.push({ wq, w });
  }
  return pidfdPollMask(f);
}

/** do_pollfd: one entry's revents (a negative fd is skipped; a closed one is POLLNVAL). */
function do_pollfd(p: pollfd, me: task_struct, pt: poll_wqueues | null): number {
  if (p.fd < 0) return 0;
  const f = me.files === null ? null : fget(me.files, p.fd);
  if (f === null) return POLLNVAL;
  // POLLERR and POLLHUP are reported whether asked for or not.
  return vfs_poll(f, me, pt) & ((p.events & 0xffff) | POLLERR | POLLHUP);
}

/**
 * do_poll: passes over the entries until one is ready, the time is up (`expires`, a
 * local_clock time; null: no limit) or a signal is pending (-ERESTARTNOHAND). The first
 * pass registers the waits; the caller is TASK_INTERRUPTIBLE from then on, so a wakeup
 * that comes during a pass is not lost.
 */
const do_poll = kfunc(function* do_poll(fds: pollfd[], expires: number | null) {
  const me = current();
  const pt: poll_wqueues = { entries: [] };
  let first = expires === null || expires > local_clock();
  let timed_out = !first;
  let count = 0;
  for (;;) {
    me.__state = TASK_INTERRUPTIBLE;
    count = 0;
    for (const p of fds) {
      p.revents = do_pollfd(p, me, first ? pt : null);
      if (p.revents !== 0) count++;
    }
    first = false;
    if (count === 0 && signal_pending(me)) count = -ERESTARTNOHAND;
    if (count !== 0 || timed_out) break;
    if (expires === null) yield* schedule();
    else {
      yield* schedule_hrtimeout(expires - local_clock());
      if (local_clock() >= expires) timed_out = true;
    }
  }
  // poll_freewait: off every queue, and running again (also when nothing was queued on).
  for (const { wq, w } of pt.entries) finish_wait(wq, w);
  me.__state = TASK_RUNNING;
  me.blocker = null;
  return count;
});

/**
 * do_sys_poll: -EINVAL for more entries than RLIMIT_NOFILE, -EFAULT where the array cannot be
 * read; otherwise do_poll's result, after every revents is written back (-EFAULT if one cannot be).
 */
function* do_sys_poll(ufds: number, nfds: number, expires: number | null): KGen<number> {
  if (!Number.isInteger(nfds) || nfds < 0 || nfds > RLIMIT_NOFILE_CUR) return -EINVAL;
  const me = current();
  const fds: pollfd[] = [];
  for (let i = 0; i < nfds; i++) {
    const at = ufds + i * POLLFD_SIZE;
    const fd = get_user(me.mm, at);
    const events = get_user(me.mm, at + POLLFD_EVENTS);
    if (fd === null || events === null) return -EFAULT;
    fds.push({ fd: typeof fd === "number" ? fd | 0 : 0, events: typeof events === "number" ? events : 0, revents: 0 });
  }
  const ret = yield* do_poll(fds, expires);
  for (let i = 0; i < nfds; i++) {
    const p = fds[i] as pollfd;
    if ((yield* put_user(p.revents, me.mm, ufds + i * POLLFD_SIZE + POLLFD_REVENTS)) < 0) return -EFAULT;
  }
  return ret;
}

/**
 * poll(fds, nfds, timeout): timeout in milliseconds, negative for none, 0 to only look.
 * Interrupted by a signal: -EINTR when a handler ran, else it goes on through restart_syscall
 * (the restart_block keeps the array and the end time: only what was left is waited).
 */
export const __x64_sys_poll = kfunc(function* __x64_sys_poll(ufds: number, nfds: number, timeout_msecs: number) {
  const ms = Number.isFinite(timeout_msecs) ? Math.trunc(timeout_msecs) : -1;
  return yield* pollRestartable(ufds, nfds, ms < 0 ? null : local_clock() + ms * 1e6);
});

/** Models __x64_sys_poll / do_restart_poll (do_sys_poll, then the restart_block). */
function* pollRestartable(ufds: number, nfds: number, expires: number | null): KGen<number> {
  const ret = yield* do_sys_poll(ufds, nfds, expires);
  if (ret !== -ERESTARTNOHAND) return ret;
  const me = current();
  me.restart_poll = { ufds, nfds, expires };
  me.restart_expires = 0; // the restart_block is this call's now
  return -ERESTART_RESTARTBLOCK;
}

/** do_restart_poll: restart_syscall of an interrupted poll, until the end time it had. */
export function* do_restart_poll(r: { ufds: number; nfds: number; expires: number | null }): KGen<number> {
  return yield* pollRestartable(r.ufds, r.nfds, r.expires);
}

/**
 * ppoll(fds, nfds, tsp, sigmask, sigsetsize): the timeout as a timespec ({ tv_sec, tv_nsec };
 * null: none), -EINVAL if it is not a valid one; sigmask, the address of a sigset_t (0: none;
 * sigsetsize must then be 8), is the signal mask for the call (set_user_sigmask). The caller's
 * own mask comes back on return, or, when a signal interrupted the call, on the way out to
 * user mode once that signal is taken (restore_saved_sigmask_unless).
 */
export const __x64_sys_ppoll = kfunc(function* __x64_sys_ppoll(
  ufds: number,
  nfds: number,
  tsp: unknown,
  sigmask: number,
  sigsetsize: number,
) {
  let expires: number | null = null;
  if (tsp !== null) {
    if (typeof tsp !== "object") return -EFAULT;
    const { tv_sec, tv_nsec } = tsp as { tv_sec?: unknown; tv_nsec?: unknown };
    if (typeof tv_sec !== "number" || typeof tv_nsec !== "number") return -EFAULT;
    if (!Number.isInteger(tv_sec) || tv_sec < 0 || !Number.isInteger(tv_nsec) || tv_nsec < 0 || tv_nsec >= 1e9)
      return -EINVAL;
    expires = local_clock() + tv_sec * 1e9 + tv_nsec;
  }
  const me = current();
  let saved: bigint | null = null;
  if (sigmask !== 0) {
    if (sigsetsize !== 8) return -EINVAL;
    const set = getSigset(me.mm, sigmask);
    if (set === null) return -EFAULT;
    saved = me.blocked;
    yield* set_current_blocked(me, set);
  }
  const ret = yield* do_sys_poll(ufds, nfds, expires);
  if (saved !== null) {
    if (ret === -ERESTARTNOHAND) me.saved_sigmask = saved;
    else yield* set_current_blocked(me, saved);
  }
  return ret;
});
