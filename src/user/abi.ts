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
  copy: (gens, ctx) => copy_program(gens, ctx as User),
  sp: (ctx) => (ctx as User).stack_pointer(),
  set_sp: (ctx, sp) => (ctx as User).set_stack_pointer(sp),
};
