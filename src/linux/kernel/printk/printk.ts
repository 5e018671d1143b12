/**
 * printk (kernel/printk/printk.c): a record in the kernel log, which `tasklab run` prints to
 * stderr as dmesg does. A message of several lines is one record whose every line gets the
 * timestamp, as the console prints it.
 */
import { activeEngine } from "../../../sim/engine.js";
import { type PrintfArg, vsprintf } from "../../lib/vsprintf.js";

export function printk(fmt: string, ...args: PrintfArg[]): void {
  const [title = "", ...lines] = vsprintf(fmt, args).replace(/\n$/, "").split("\n");
  activeEngine().report({ kind: "printk", title, lines });
}
