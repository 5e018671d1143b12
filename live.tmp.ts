import { liveTasks } from "./bench/live.js";
liveTasks(1000);
for (const n of [10_000, 30_000]) { const r = liveTasks(n); console.log(n, r.bytesPerTask.toFixed(0), "B/task"); }
