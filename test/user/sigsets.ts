/** Signal sets in a test program's memory (a sigset_t: two 32-bit words; signals 1-32 in the first). */
import type { UGen } from "../../src/linux/arch/x86/entry/user_mode.js";
import type { User } from "../../src/user/user.js";

/** The bit of `sig` in the low word. */
export const bit = (sig: number) => 2 ** (sig - 1);

/** A sigset_t holding `sigs` (signals 1-32), written on the stack: its address. */
export function* sigset(u: User, ...sigs: number[]): UGen<number> {
  const set = u.alloca(8);
  yield* u.store(
    set,
    sigs.reduce((m, s) => m + bit(s), 0),
  );
  yield* u.store(set + 4, 0);
  return set;
}
