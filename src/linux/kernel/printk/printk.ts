/** printk (kernel/printk/printk.c): a line in the kernel log, which `tasklab run` prints to stderr as dmesg does. */
import { activeEngine } from "../../../sim/engine.js";
import { type PrintfArg, vsprintf } from "../../lib/vsprintf.js";

export function printk(fmt: string, ...args: PrintfArg[]): void {
  activeEngine().report({ kind: "printk", title: vsprintf(fmt, args).replace(/\n$/, ""), lines: [] });
}
