/**
 * The fields of the events task creation is read from, out of their text: the kernel's
 * TP_printk formats (src/trace/ftrace.ts writes the same), 2.6.32's own texts, and
 * trace-cmd's sched_switch/sched_wakeup plugin texts (`bash:11845 [120] R ==> …`), whose
 * state letters come from an older table (libtraceevent's "SDTtZXxW": its Z, X, x and W
 * are the 4.14+ kernel's X, Z, P and I) and are given back in the kernel's letters.
 */

export type FieldValue = string | number | boolean;
export type Fields = Record<string, FieldValue>;

/** A pattern and the names of its groups; `#` before a name makes it a number, `?` a boolean. */
type Form = [RegExp, string[]];

const WAKEUP: Form[] = [
  [
    /^comm=(.*) pid=(\d+) prio=(-?\d+)(?: success=(\d))? target_cpu=(\d+)$/,
    ["comm", "#pid", "#prio", "#success", "#target_cpu"],
  ],
  [/^(.*):(\d+) \[(-?\d+)\](?: success=(\d))? CPU:(\d+)$/, ["comm", "#pid", "#prio", "#success", "#target_cpu"]],
  [/^task (.*):(\d+) \[(-?\d+)\] success=(\d) \[(\d+)\]$/, ["comm", "#pid", "#prio", "#success", "#target_cpu"]],
];
const SWITCH_NAMES = ["prev_comm", "#prev_pid", "#prev_prio", "prev_state", "next_comm", "#next_pid", "#next_prio"];
const SWITCH: Form[] = [
  [
    /^prev_comm=(.*) prev_pid=(\d+) prev_prio=(-?\d+) prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio=(-?\d+)$/,
    SWITCH_NAMES,
  ],
  [/^task (.*):(\d+) \[(-?\d+)\] \((\S+)\) ==> (.*):(\d+) \[(-?\d+)\]$/, SWITCH_NAMES],
];
/** trace-cmd's plugin text; its letters are mapped back below. */
const SWITCH_PLUGIN = /^(.*):(\d+) \[(-?\d+)\] (\S+) ==> (.*):(\d+) \[(-?\d+)\]$/;
const TASK: Form[] = [
  [/^comm=(.*) pid=(\d+) prio=(-?\d+)(?: group_dead=(true|false))?$/, ["comm", "#pid", "#prio", "?group_dead"]],
  [/^task (.*):(\d+) \[(-?\d+)\]$/, ["comm", "#pid", "#prio"]],
];

const FORMS: Readonly<Record<string, Form[]>> = {
  sched_waking: WAKEUP,
  sched_wakeup: WAKEUP,
  sched_wakeup_new: WAKEUP,
  sched_switch: SWITCH,
  sched_process_fork: [
    [/^comm=(.*) pid=(\d+) child_comm=(.*) child_pid=(\d+)$/, ["comm", "#pid", "child_comm", "#child_pid"]],
    [/^parent (.*):(\d+) {2}child (.*):(\d+)$/, ["comm", "#pid", "child_comm", "#child_pid"]],
  ],
  sched_process_exit: TASK,
  sched_process_free: TASK,
  sched_process_wait: TASK,
  sched_process_exec: [[/^filename=(.*) pid=(\d+) old_pid=(\d+)$/, ["filename", "#pid", "#old_pid"]]],
  sched_prepare_exec: [[/^interp=(.*) filename=(.*) pid=(\d+) comm=(.*)$/, ["interp", "filename", "#pid", "comm"]]],
  task_newtask: [
    [
      /^pid=(\d+) comm=(.*) clone_flags=([0-9a-f]+) oom_score_adj=(-?\d+)$/,
      ["#pid", "comm", "clone_flags", "#oom_score_adj"],
    ],
  ],
  task_rename: [
    [
      /^(?:pid=(\d+) )?oldcomm=(.*) newcomm=(.*) oom_score_adj=(-?\d+)$/,
      ["#pid", "oldcomm", "newcomm", "#oom_score_adj"],
    ],
  ],
  sched_kthread_stop: [
    [/^comm=(.*) pid=(\d+)$/, ["comm", "#pid"]],
    [/^task (.*):(\d+)$/, ["comm", "#pid"]],
  ],
  sched_kthread_stop_ret: [[/^ret[= ](-?\d+)$/, ["#ret"]]],
  signal_generate: [
    [
      /^sig=(\d+) errno=(-?\d+) code=(-?\d+) comm=(.*) pid=(\d+) grp=(\d) res=(\d)$/,
      ["#sig", "#errno", "#code", "comm", "#pid", "#grp", "#res"],
    ],
  ],
};

/** The events whose fields are read; others are kept as text. */
export function knownEvent(event: string): boolean {
  return event in FORMS;
}

/** trace-cmd's state letters (libtraceevent "SDTtZXxW") as the 4.14+ kernel prints them. */
const PLUGIN_STATE: Readonly<Record<string, string>> = { Z: "X", X: "Z", x: "P", W: "I" };

/**
 * The fields of `event` from its text; null when a known event's text matches none of its
 * formats (the caller reports the line); {} for an event not read here.
 */
export function parseFields(event: string, text: string): Fields | null {
  const forms = FORMS[event];
  if (forms === undefined) return {};
  for (const [re, names] of forms) {
    const m = re.exec(text);
    if (m !== null) return named(m, names);
  }
  if (event === "sched_switch") {
    const m = SWITCH_PLUGIN.exec(text);
    if (m === null) return null;
    const f = named(m, SWITCH_NAMES);
    f.prev_state = String(f.prev_state)
      .split("")
      .map((c) => PLUGIN_STATE[c] ?? c)
      .join("");
    return f;
  }
  return null;
}

function named(m: RegExpExecArray, names: readonly string[]): Fields {
  const f: Fields = {};
  names.forEach((spec, i) => {
    const v = m[i + 1];
    if (v === undefined) return;
    if (spec.startsWith("#")) f[spec.slice(1)] = Number(v);
    else if (spec.startsWith("?")) f[spec.slice(1)] = v === "true";
    else f[spec] = v;
  });
  return f;
}
