/**
 * The registry of modeled functions: each name's id, its kind and its code. Code, not
 * machine state: one registry for every machine, filled as modules define their functions
 * (functions.ts). The engine reads names and counts from here (it never imports the kfunc
 * wrappers, which call into it).
 */
import { InputError, suggest } from "./suggest.js";

const names: string[] = [];
const ids = new Map<string, number>();
/** The code of each modeled function, by id (for a debugger's `list`). */
const bodies: (((...args: never[]) => unknown) | undefined)[] = [];

/** The source text of a modeled function, if it has one. */
export function functionSource(id: number): string | null {
  const b = bodies[id];
  return b === undefined ? null : b.toString();
}

/**
 * How a modeled function is called: a generator with a frame (kfunc), a plain function with
 * a frame and a cost point (kleaf), or a plain function inside a critical section (ksync).
 */
export type FunctionKind = "kfunc" | "kleaf" | "ksync";

/** Each modeled function's kind, by id (undefined: a name only, such as a kcall's threadfn). */
const kinds: (FunctionKind | undefined)[] = [];

export function functionKind(id: number): FunctionKind | undefined {
  return kinds[id];
}

/** Whether execution can stop at this function's entry (a kfunc or kleaf), or only after it (ksync). */
export function canStopAt(id: number): boolean {
  return kinds[id] !== "ksync";
}

/** Registers a modeled function's code and kind under its name's id. */
export function define(kind: FunctionKind, body: (...args: never[]) => unknown, name = body.name): number {
  const id = functionId(name);
  bodies[id] ??= body;
  kinds[id] ??= kind;
  return id;
}

/** The id of a modeled function's name (registered on first use). */
export function functionId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    id = names.length;
    names.push(name);
    ids.set(name, id);
  }
  return id;
}

/** The id of a registered modeled function, or undefined (does not register the name). */
export function findFunctionId(name: string): number | undefined {
  return ids.get(name);
}

/** The names of the modeled functions (kfunc, kleaf, ksync) defined so far: what ftrace's available_filter_functions lists. */
export function modeledFunctionNames(): string[] {
  return names.filter((_, id) => kinds[id] !== undefined);
}

/**
 * Refuses a name that is no modeled function where one is expected (`what` says where: an
 * option, a spec), as ftrace refuses one that is not in available_filter_functions.
 */
export function checkModeled(what: string, name: string): void {
  const id = ids.get(name);
  if (id !== undefined && kinds[id] !== undefined) return; // the common case: no list built
  const hint =
    suggest(name, modeledFunctionNames()) || "the function tracer shows them (tasklab run SCENARIO --tracer function)";
  throw new InputError(`${what}: the model has no function '${name}' (ftrace answers EINVAL): ${hint}`);
}

export function functionName(id: number): string {
  return names[id] ?? `fn#${id}`;
}

export function functionCount(): number {
  return names.length;
}
