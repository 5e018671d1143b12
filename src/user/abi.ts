/**
 * The user layer's half of the CPU's user mode (src/linux/arch/x86/entry/user_mode.ts): the
 * context a thread's entry is handed (a User: libc, errno, stack) and fork's copy of a
 * suspended program. The machine installs it once (registerUserAbi), as a binary format
 * registers with exec.
 */
import type { UserAbi } from "../linux/arch/x86/entry/user_mode.js";
import { copy_program } from "./program_copy.js";
import { User } from "./user.js";

export const USER_ABI: UserAbi = {
  context: (stack_top, tp) => new User(stack_top, tp),
  copy: (gen, ctx) => copy_program(gen, ctx as User),
};
