/**
 * A scenario that runs one user program: pid 1 starts it (as an init starts a program)
 * and waits for it; the program is installed at /usr/bin/<name>.
 */

import { spawn_program, wait_program } from "../user/spawn.js";
import type { UserMain } from "../user/user.js";
import { defineScenario, type EraRange, type Scenario } from "./scenario.js";

export function userScenario(s: {
  name: string;
  description: string;
  cpus?: number;
  /** The releases the program's behaviour exists in (default: all). */
  eras?: EraRange;
  program: UserMain;
}): Scenario {
  const path = `/usr/bin/${s.name}`;
  return defineScenario({
    name: s.name,
    description: s.description,
    ...(s.cpus === undefined ? {} : { cpus: s.cpus }),
    ...(s.eras === undefined ? {} : { eras: s.eras }),
    programs: { [path]: s.program },
    *main() {
      const pid = yield* spawn_program(path, [s.name]);
      if (pid > 0) yield* wait_program(pid);
    },
  });
}

/** WEXITSTATUS and friends, for reading a wait status. */
export const WEXITSTATUS = (s: number): number => (s >> 8) & 0xff;
export const WIFEXITED = (s: number): boolean => (s & 0x7f) === 0;
export const WTERMSIG = (s: number): number => s & 0x7f;
/** A stopped child's status (wait4 with WUNTRACED): 0x7f in the low byte, the stop signal above. */
export const WIFSTOPPED = (s: number): boolean => (s & 0xff) === 0x7f;
export const WSTOPSIG = (s: number): number => (s >> 8) & 0xff;
/** A continued child's status (wait4 with WCONTINUED): 0xffff. */
export const WIFCONTINUED = (s: number): boolean => s === 0xffff;
