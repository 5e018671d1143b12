// A Node resolve hook for the sources: adds the package condition "tasklab-source", under
// which `import ... from "tasklab"` (a scenario file's) is src/index.ts, the very modules the
// CLI runs, instead of the compiled dist/index.js (package.json "exports").
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, "tasklab-source"] });
}
