#!/usr/bin/env node
// tasklab run from its TypeScript sources (src/, through tsx), without a build: what the tests
// start as a child process, and a quick way to try a change. The package's command is bin/tasklab.js.
import "../src/cli/start.mjs";
