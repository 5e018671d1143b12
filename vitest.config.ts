import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";
import { runtimePlugins } from "./src/build/frames-vite.mjs";

export default defineConfig({
  // TASKLAB_RUNTIME=frames: the model's kfuncs compiled into frames (src/build/).
  plugins: runtimePlugins(),
  // `import ... from "tasklab"` (examples, fixtures) is src/index.ts, as the tests' own imports (package.json "exports").
  ssr: { resolve: { conditions: ["tasklab-source", ...defaultServerConditions] } },
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"] } },
      // The visualizer in headless Chromium (test/e2e/README.md).
      "test/e2e/vitest.config.ts",
    ],
  },
});
