/**
 * The function and function_graph tracers (kernel/trace/trace_functions.c,
 * trace_functions_graph.c): records modeled-function entries (and, for function_graph,
 * returns with their duration and value) into the ring buffer, through the engine's entry
 * and exit observers. Filters as ftrace has them: set_ftrace_pid (here a pid or a comm),
 * max_graph_depth, set_graph_function.
 */
import type { task_struct } from "../linux/include/task_struct.js";
import { irqflags } from "../linux/include/trace/events/sched.js";
import type { TraceBuffer, Tracer } from "../linux/kernel/trace/buffer.js";
import { activeEngine, type Engine, type Thread } from "../sim/engine.js";
import { checkModeled, functionId } from "../sim/functions.js";

export interface TracerOptions {
  tracer: Tracer;
  /** Only this task (pid) or tasks of this name. */
  pid?: number;
  comm?: string;
  /** function_graph: deepest call depth shown (0: no limit), counted from the graph function. */
  maxDepth?: number;
  /** function_graph: only calls inside this function (set_graph_function). */
  graphFunction?: string;
}

/** %lx of a return value: numbers as the kernel prints them, objects as a kernel address. */
function retval(v: unknown, buf: TraceBuffer): string | null {
  if (v === undefined) return null;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "object" && v !== null) {
    const errno = (v as { errno?: number }).errno;
    if (typeof errno === "number") return String(errno); // ERR_PTR(-E…)
    return `ffff8881${buf.hashedPointer(v).toString(16).padStart(8, "0")}`;
  }
  return null;
}

/**
 * Arms the tracer on `engine`, writing into `buf`; `on()` says whether tracing is on now
 * (tracing_on: from boot, or from when the scenario starts).
 */
export function installFunctionTracer(engine: Engine, buf: TraceBuffer, o: TracerOptions, on: () => boolean): void {
  if (o.graphFunction !== undefined) checkModeled("set_graph_function", o.graphFunction);
  buf.tracer = o.tracer;
  if (o.tracer === "nop") return;
  const graphFn = o.graphFunction === undefined ? -1 : functionId(o.graphFunction);
  const maxDepth = o.maxDepth ?? 0;
  const wanted = (t: Thread) => {
    if (!on()) return false;
    const task = t.owner as task_struct;
    return (o.pid === undefined || task.pid === o.pid) && (o.comm === undefined || task.comm === o.comm);
  };
  /**
   * Per task, how many frames at the bottom of its stack were entered before tracing saw it:
   * like the kernel's shadow return stack, which starts empty when the tracer is enabled,
   * those frames have no recorded entry, so their returns are not shown and depth counts
   * from the first call made after.
   */
  const untraced = new Map<Thread, number>();
  /** The depth of the call on top of t's stack, relative to the graph function; -1: not traced. */
  const depthOf = (t: Thread, entering: boolean) => {
    const top = t.fnStack.length - 1;
    const below = untraced.get(t) ?? (entering ? top : top + 1);
    if (top < below) {
      untraced.set(t, top); // the return of a frame entered before tracing
      return -1;
    }
    untraced.set(t, below);
    const base = graphFn < 0 ? below : t.fnStack.lastIndexOf(graphFn);
    if (base < below) return -1;
    const depth = top - base;
    return maxDepth > 0 && depth >= maxDepth ? -1 : depth;
  };
  const header = (t: Thread) => {
    const cpu = activeEngine().runningCpu;
    const task = t.owner as task_struct;
    buf.noteCurrent(cpu.id, task.pid, task.comm);
    return { cpu: cpu.id, pid: task.pid, tgid: task.tgid, irqflags: irqflags(task), ts: cpu.clock };
  };
  const prevEnter = engine.onEnter;
  const prevExit = engine.onExit;
  if (o.tracer === "function") {
    engine.onEnter = (t, fn, args) => {
      prevEnter?.(t, fn, args);
      if (!wanted(t)) return;
      const parent = t.fnStack.length >= 2 ? (t.fnStack[t.fnStack.length - 2] as number) : -1;
      buf.push({ ...header(t), type: "function", fn, parent });
    };
    return;
  }
  engine.onEnter = (t, fn, args) => {
    prevEnter?.(t, fn, args);
    if (!wanted(t)) return;
    const depth = depthOf(t, true);
    if (depth >= 0) buf.push({ ...header(t), type: "funcgraph_entry", fn, depth });
  };
  engine.onExit = (t, fn, ret) => {
    prevExit?.(t, fn, ret);
    if (!wanted(t)) return;
    const depth = depthOf(t, false);
    if (depth < 0) return;
    const calltime = t.entryStack[t.entryStack.length - 1] as number;
    buf.push({ ...header(t), type: "funcgraph_exit", fn, depth, calltime, retval: retval(ret, buf) });
  };
}
