/**
 * The visualizer's build: a static site in web/dist (relative URLs, so it can be opened
 * from any path of any static server). The engine's worker bundles the model from src/,
 * keeping function names: the model names its kernel functions by them (costs, stacks),
 * so a renamed function would change the run.
 */
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defaultClientConditions, defineConfig } from "vite";
import { runtimePlugins } from "../src/build/frames-vite.mjs";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  // `import ... from "tasklab"` (src/web/compile.ts) is src/index.ts, bundled (package.json "exports").
  resolve: { conditions: ["tasklab-source", ...defaultClientConditions] },
  plugins: [preact(), ...runtimePlugins()],
  worker: { format: "es", plugins: runtimePlugins, rolldownOptions: { output: { keepNames: true } } },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096 },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
