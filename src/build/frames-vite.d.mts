import type { Plugin } from "vite";
export function runtimePlugins(): Plugin[];
