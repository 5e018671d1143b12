/**
 * The atomic exchange the kthread protocol hands its token with (arch/x86's xchg()). A
 * modeled step never interleaves with another CPU's inside a plain function, so the read
 * and the write here are one indivisible step, as the locked instruction makes them.
 */

/** xchg(&obj->field, value): stores `value` and returns what was there before. */
export function xchg<T, F extends keyof T>(obj: T, field: F, value: T[F]): T[F] {
  const old = obj[field];
  obj[field] = value;
  return old;
}
