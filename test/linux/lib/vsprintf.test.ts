import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { vsnprintf, vsprintf } from "../../../src/linux/lib/vsprintf.js";

describe("vsprintf", () => {
  it.each([
    ["ksoftirqd/%u", [3], "ksoftirqd/3"],
    ["kworker/%d:%d%s", [1, 0, "H"], "kworker/1:0H"],
    ["%s-%x", ["irq", 255], "irq-ff"],
    ["%u", [-1], "4294967295"],
    ["%lu", [-1], "18446744073709551615"],
    ["%ld", [-5], "-5"],
    ["%x", [-1], "ffffffff"],
    ["%lx", [-1], "ffffffffffffffff"],
    ["%5d|%-5d|%05d", [42, 42, 42], "   42|42   |00042"],
    ["%.3s", ["abcdef"], "abc"],
    ["100%%", [], "100%"],
    ["%c%c", [104, "i"], "hi"],
    ["%#x %#o", [255, 8], "0xff 010"],
    ["%hhu", [257], "1"],
  ])("%s with %j gives %s", (fmt, args, want) => {
    expect(vsprintf(fmt, args as (number | string)[])).toBe(want);
  });

  it("vsnprintf keeps size-1 characters and returns the full length", () => {
    expect(vsnprintf(16, "rcu_exp_par_gp_kthread_worker/%d", [0])).toEqual({ text: "rcu_exp_par_gp_", len: 31 });
    expect(vsnprintf(1, "abc", [])).toEqual({ text: "", len: 3 });
  });

  it("prints any 32-bit int with %d as C does", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => vsprintf("%d", [n]) === String(n)));
  });
});
