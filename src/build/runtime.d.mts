export function runtimeName(env?: Record<string, string | undefined>): "generators" | "frames";
export function builtRuntime(): "generators" | "frames" | null;
export function registerRuntime(): void;
export function registerSources(): Promise<void>;
