import { defineConfig } from "vitest/config";

export default defineConfig({
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
