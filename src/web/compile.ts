/**
 * Scenarios written in the visualizer's editor: TypeScript (or JavaScript) that imports the
 * library as the README's examples do (or reads the `tasklab` object) and exports the
 * scenario as its default:
 *
 *   import { kthread_run, kthread_stop, msleep, printk } from "tasklab";
 *   export default { name: "mine", description: "…", *main() { … } };
 *
 * Compiled in the browser with sucrase (types stripped, imports made `require` calls that
 * only `tasklab` answers, the export a plain assignment); a syntax error comes back with
 * its line and column.
 */
import { transform } from "sucrase";
import * as tasklab from "../index.js";
import type { Scenario } from "../scenarios/scenario.js";

export class ScenarioSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based line and column of the error in the source, when known. */
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(message);
  }
}

export const SCENARIO_TEMPLATE = `// A scenario: what pid 1 runs once the kernel has booted. The library is \`tasklab\`.
import { kthread_run, kthread_stop, kthread_should_stop, msleep, printk } from "tasklab";

function* my_thread() {
  while (!kthread_should_stop()) yield* msleep(1);
  return 0;
}

export default {
  name: "custom",
  description: "a kthread that sleeps until it is stopped",
  *main() {
    const t = yield* kthread_run(my_thread, null, "my_kthread");
    yield* msleep(5);
    printk("kthread_stop returned %d", yield* kthread_stop(t));
  },
};
`;

/** Compiles editor source into a scenario; throws ScenarioSyntaxError for bad source. */
export function compileScenario(source: string): Scenario {
  let code: string;
  try {
    code = transform(source, { transforms: ["typescript", "imports"] }).code;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = /\((\d+):(\d+)\)/.exec(msg);
    throw new ScenarioSyntaxError(msg, at ? Number(at[1]) : null, at ? Number(at[2]) + 1 : null);
  }
  const exports: { default?: unknown } = {};
  const require = (name: string) => {
    if (name === "tasklab") return tasklab;
    throw new Error(`only "tasklab" can be imported here, not "${name}"`);
  };
  try {
    new Function("tasklab", "exports", "require", code)(tasklab, exports, require);
  } catch (e) {
    throw new ScenarioSyntaxError(e instanceof Error ? e.message : String(e), null, null);
  }
  const s = exports.default as Partial<Scenario> | undefined;
  if (typeof s !== "object" || s === null || (s.main !== undefined && typeof s.main !== "function")) {
    throw new ScenarioSyntaxError(
      "the source must `export default` a scenario: { name, description, *main() {…} }",
      null,
      null,
    );
  }
  return { name: "custom", description: "", ...s } as Scenario;
}
