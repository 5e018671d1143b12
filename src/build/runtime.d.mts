export function runtimeName(env?: Record<string, string | undefined>): "generators" | "frames";
export function registerRuntime(): void;
