/**
 * ERR_PTR-style results (include/linux/err.h): a function that returns an object or an
 * error returns either the object or an `ErrPtr` carrying a negative errno. Typed, so a
 * caller must test IS_ERR before using the object.
 */
import { knownTable } from "../../sim/code.js";

export interface ErrPtr {
  readonly errno: number; // negative, e.g. -ENOMEM
}

export type ErrOr<T> = T | ErrPtr;

const cache = new Map<number, ErrPtr>();

export function ERR_PTR(err: number): ErrPtr {
  let p = cache.get(err);
  if (p === undefined) {
    p = Object.freeze({ errno: err });
    cache.set(err, p);
    knownTable(`ERR_PTR(${err})`, p); // IS_ERR knows it by identity: so does a saved state
  }
  return p;
}

export function IS_ERR<T extends object>(p: ErrOr<T>): p is ErrPtr {
  return (p as ErrPtr).errno !== undefined && cache.get((p as ErrPtr).errno) === p;
}

export function PTR_ERR(p: ErrPtr): number {
  return p.errno;
}
