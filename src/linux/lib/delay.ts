/**
 * Busy waiting (arch/x86/lib/delay.c, include/linux/delay.h): the CPU stays with the
 * caller, burning time. Nothing else runs on that CPU meanwhile unless preemption is on.
 */
import { kfunc } from "../../sim/functions.js";

/** cpu_relax: one pause in a spin loop. */
export const cpu_relax = kfunc(function* cpu_relax() {
  yield 40;
});

/** udelay: spins for `usecs` microseconds, a microsecond per step. */
export const udelay = kfunc(function* udelay(usecs: number) {
  for (let i = 0; i < usecs; i++) yield 1000;
});

/** mdelay: spins for `msecs` milliseconds, in 1 ms steps. */
export const mdelay = kfunc(function* mdelay(msecs: number) {
  for (let i = 0; i < msecs; i++) yield 1_000_000;
});
