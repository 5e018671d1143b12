/** The visualizer's end-to-end tests: the built site, served by `tasklab serve`, in headless Chromium. */
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "e2e",
    include: ["*.e2e.ts"],
    globalSetup: ["./setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
