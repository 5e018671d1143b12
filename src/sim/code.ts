/**
 * The code a machine's state points at, by stable names (docs/STATE-FORMAT.md): what a saved
 * state (src/state/) writes in place of a function, a class's prototype or a shared frozen
 * table, which another process of the same build finds again by that name.
 *
 * Names come from registration where the code is defined: the model's classes
 * (`stateClass`), the modeled functions and their frame classes (functions.ts), the plain
 * generators the frames transform compiled (`$rt.known`, at the end of their module), and
 * the module-level functions and tables data points at (`knownCode`). Names never come from
 * `Function.name` alone: a bundle may rename; a name is the registered one, or the function's
 * own name with a hash of its text (the same text in the same build is the same code).
 */

/** Code by name, and names by code. */
const byName = new Map<string, object>();
const byCode = new Map<object, string>();
/** Registrations not evaluated yet (a compiled generator's class is made at its first call). */
const pending: (() => void)[] = [];

/** A short hash of a text (FNV-1a, 32 bits, as 8 hex digits). */
export function textHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The name a function or class goes by when nothing registered it under another: its name and a hash of its text. */
export function textName(f: (...a: never[]) => unknown): string {
  return `${f.name}~${textHash(Function.prototype.toString.call(f))}`;
}

/**
 * Registers `code` (a function, a class's prototype, a frozen table) under `name`. The first
 * registration of an object wins (its name never changes); a name registered again for
 * another object stays the first's.
 */
export function registerCode(name: string, code: object): void {
  if (byCode.has(code)) return;
  byCode.set(code, name);
  const first = byName.get(name);
  if (first === undefined) byName.set(name, code);
  else if (first !== code) ambiguous.add(name); // neither can be named: a state refuses both
}

/** Names registered for two different objects. */
const ambiguous = new Set<string>();

/** Registers a class of the model's state (its instances are saved with this name). */
export function stateClass(name: string, cls: { prototype: object }): void {
  registerCode(`class:${name}`, cls.prototype);
}

/** Registers module-level functions (by name and text) and frozen tables (by `table:` + a name) that state may point at. */
export function knownCode(...code: ((...a: never[]) => unknown)[]): void {
  for (const f of code) registerCode(textName(f), f);
}

/** Registers a shared frozen table under `table:NAME`. */
export function knownTable(name: string, table: object): void {
  registerCode(`table:${name}`, table);
}

/**
 * What the frames transform calls at the end of a module for each top-level generator it
 * compiled: `make` makes (once) and returns its frame class, `fn` is the generator's function
 * when it is a declaration. Evaluated when names are first needed.
 */
export function knownGenerator(
  make: () => { prototype: object },
  fn: ((...a: never[]) => unknown) | null = null,
  file = "",
): void {
  pending.push(() => {
    const C = make();
    // The module's path too: two modules may hold generators of one name and text that
    // call different functions of their own.
    registerCode(`frame:${file}:${textName(C as unknown as () => unknown)}`, C.prototype);
    if (typeof fn === "function") registerCode(`${file}:${textName(fn)}`, fn);
  });
}

function settle(): void {
  while (pending.length > 0) (pending.pop() as () => void)();
}

/** The registered name of `code`, or undefined. */
export function codeName(code: object): string | undefined {
  if (pending.length > 0) settle();
  const name = byCode.get(code);
  return name === undefined || ambiguous.has(name) ? undefined : name;
}

/** The code registered under `name`, or undefined. */
export function codeNamed(name: string): object | undefined {
  if (pending.length > 0) settle();
  return byName.get(name);
}

/** How many names are registered (for a build's fingerprint). */
export function codeNames(): string[] {
  if (pending.length > 0) settle();
  return [...byName.keys()];
}

/** Names registered for two different objects (a test keeps this empty for the model's own code). */
export function ambiguousNames(): string[] {
  if (pending.length > 0) settle();
  return [...ambiguous];
}
