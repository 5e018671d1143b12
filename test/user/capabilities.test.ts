/**
 * Capabilities as task creation sees them (kernel/capability.c, security/commoncap.c
 * cap_capset and cap_emulate_setxuid, kernel/nsproxy.c, kernel/pid.c), Linux 6.19. Each
 * case names its source: LTP's testcases/kernel/syscalls/capget/capget0{1,2}.c,
 * capset/capset0{1,2}.c, prctl/prctl0{1,2}.c (PR_SET_KEEPCAPS), the kernel's
 * tools/testing/selftests/clone3/clone3_cap_checkpoint_restore.c, and capabilities(7).
 */
import { describe, expect, it } from "vitest";
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../../src/linux/include/errno.js";
import { SIGCHLD } from "../../src/linux/include/signal.js";
import { PR_GET_KEEPCAPS, PR_SET_KEEPCAPS } from "../../src/linux/include/uapi/prctl.js";
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS } from "../../src/linux/include/uapi/sched.js";
import { _LINUX_CAPABILITY_VERSION_3 } from "../../src/linux/kernel/capability.js";
import { CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN } from "../../src/linux/kernel/cred.js";
import type { User } from "../../src/user/user.js";
import { runRecording } from "../helpers.js";

type Rec = (k: string, v: number | boolean) => void;
const run = (body: (u: User, rec: Rec) => UGen<void>) => runRecording(body).seen;

/** A capability header for `pid` on the stack: its address. */
function* header(u: User, pid = 0, version = _LINUX_CAPABILITY_VERSION_3): UGen<number> {
  const h = u.alloca(8);
  yield* u.store(h, version);
  yield* u.store(h + 4, pid);
  return h;
}

/** The caller's sets as [effective, permitted, inheritable], each as a bigint. */
function* caps(u: User): UGen<bigint[]> {
  const d = u.alloca(24);
  yield* u.sys.capget(yield* header(u), d);
  const sets: bigint[] = [];
  for (let k = 0; k < 3; k++) {
    const lo = (yield* u.load(d + 4 * k)) as number;
    const hi = (yield* u.load(d + 12 + 4 * k)) as number;
    sets.push((BigInt(hi) << 32n) | BigInt(lo));
  }
  return sets;
}

/** capset of the caller's sets. */
function* capset(u: User, eff: bigint, prm: bigint, inh = 0n): UGen<number> {
  const d = u.alloca(24);
  for (const [k, s] of [eff, prm, inh].entries()) {
    yield* u.store(d + 4 * k, Number(s & 0xffffffffn));
    yield* u.store(d + 12 + 4 * k, Number(s >> 32n));
  }
  return yield* u.sys.capset(yield* header(u), d);
}

const ALL = (1n << 41n) - 1n;
const bit = (c: number) => 1n << BigInt(c);

describe("capget and capset", () => {
  it("capget01.c: root holds every capability (effective and permitted, 0-40), none inheritable", () => {
    const seen = run(function* (u, rec) {
      const [e, p, i] = yield* caps(u);
      rec("effective", e === ALL);
      rec("permitted", p === ALL);
      rec("inheritable", Number(i));
    });
    expect(seen).toEqual({ effective: true, permitted: true, inheritable: 0 });
  });

  it("capget02.c: a bad version is -EINVAL with the kernel's version written back (0 for a NULL data probe); pid -1 -EINVAL; no such pid -ESRCH; bad data -EFAULT", () => {
    const seen = run(function* (u, rec) {
      const d = u.alloca(24);
      const h = yield* header(u, 0, 0x1234);
      rec("bad version", yield* u.sys.capget(h, d));
      rec("version written back", (yield* u.load(h)) === _LINUX_CAPABILITY_VERSION_3);
      yield* u.store(h, 0x1234);
      rec("probe", yield* u.sys.capget(h, 0));
      rec("pid -1", yield* u.sys.capget(yield* header(u, -1), d));
      rec("no such pid", yield* u.sys.capget(yield* header(u, 30000), d));
      rec("bad data", yield* u.sys.capget(yield* header(u), 0x10));
    });
    expect(seen).toEqual({
      "bad version": -EINVAL,
      "version written back": true,
      probe: 0,
      "pid -1": -EINVAL,
      "no such pid": -ESRCH,
      "bad data": -EFAULT,
    });
  });

  it("capset02.c: no new permitted capability, effective within permitted, only the caller's own pid (else -EPERM)", () => {
    const seen = run(function* (u, rec) {
      rec("drop CAP_SYS_ADMIN from permitted", yield* capset(u, ALL & ~bit(CAP_SYS_ADMIN), ALL & ~bit(CAP_SYS_ADMIN)));
      rec("take it back", yield* capset(u, ALL, ALL));
      rec("effective not permitted", yield* capset(u, ALL, ALL & ~bit(CAP_SYS_ADMIN)));
      const d = u.alloca(24);
      rec("another pid", yield* u.sys.capset(yield* header(u, 1), d));
    });
    expect(seen).toEqual({
      "drop CAP_SYS_ADMIN from permitted": 0,
      "take it back": -EPERM,
      "effective not permitted": -EPERM,
      "another pid": -EPERM,
    });
  });
});

describe("what creating tasks needs of them", () => {
  it("capabilities(7) CAP_SYS_ADMIN: without it in the effective set clone's and unshare's namespace flags are -EPERM; raised again from permitted they work", () => {
    const seen = run(function* (u, rec) {
      yield* capset(u, ALL & ~bit(CAP_SYS_ADMIN), ALL);
      for (const [name, f] of [
        ["NEWNS", CLONE_NEWNS],
        ["NEWPID", CLONE_NEWPID],
        ["NEWUTS", CLONE_NEWUTS],
      ] as const) {
        const r = yield* u.sys.clone(f | SIGCHLD);
        if (r === 0) for (;;) yield* u.sys.exit_group(0);
        rec(`clone ${name}`, r < 0 ? r : 1);
        if (r > 0) yield* u.sys.wait4(r, 0, 0);
      }
      rec("unshare NEWUTS", yield* u.sys.unshare(CLONE_NEWUTS));
      yield* capset(u, ALL, ALL);
      rec("unshare NEWUTS again", yield* u.sys.unshare(CLONE_NEWUTS));
    });
    expect(seen).toEqual({
      "clone NEWNS": -EPERM,
      "clone NEWPID": -EPERM,
      "clone NEWUTS": -EPERM,
      "unshare NEWUTS": -EPERM,
      "unshare NEWUTS again": 0,
    });
  });

  it("clone3_cap_checkpoint_restore.c: set_tid needs CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN): none -EPERM; CAP_CHECKPOINT_RESTORE alone is enough", () => {
    const seen = run(function* (u, rec) {
      const tids = u.alloca(8);
      const setTid = function* (): UGen<number> {
        // A pid far from the ones in use.
        yield* u.store(tids, 20000);
        const r = yield* u.sys.clone3({ exit_signal: SIGCHLD, set_tid: tids, set_tid_size: 1 }, 88);
        if (r === 0) for (;;) yield* u.sys.exit_group(0);
        if (r > 0) yield* u.sys.wait4(r, 0, 0);
        return r;
      };
      yield* capset(u, 0n, ALL);
      rec("no capability", yield* setTid());
      yield* capset(u, bit(CAP_CHECKPOINT_RESTORE), ALL);
      rec("CAP_CHECKPOINT_RESTORE", yield* setTid());
    });
    expect(seen).toEqual({ "no capability": -EPERM, CAP_CHECKPOINT_RESTORE: 20000 });
  });

  it("prctl02.c / capabilities(7) PR_SET_KEEPCAPS: setuid away from root drops the effective set, and the permitted one too unless keepcaps was set", () => {
    const got = (keep: boolean) =>
      run(function* (u, rec) {
        if (keep) rec("set", yield* u.sys.prctl(PR_SET_KEEPCAPS, 1));
        rec("get", yield* u.sys.prctl(PR_GET_KEEPCAPS, 0));
        rec("bad value", yield* u.sys.prctl(PR_SET_KEEPCAPS, 2));
        yield* u.sys.setuid(1000);
        const [e, p] = yield* caps(u);
        rec("effective", Number(e));
        rec("permitted is all", p === ALL);
      });
    expect(got(true)).toEqual({ set: 0, get: 1, "bad value": -EINVAL, effective: 0, "permitted is all": true });
    expect(got(false)).toEqual({ get: 0, "bad value": -EINVAL, effective: 0, "permitted is all": false });
  });
});
