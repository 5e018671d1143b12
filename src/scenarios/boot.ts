import { defineScenario } from "./scenario.js";

export default defineScenario({
  name: "boot",
  description: "boot the machine: pid 0 idle tasks, pid 1 kernel_init, pid 2 kthreadd and the per-CPU kthreads",
});
