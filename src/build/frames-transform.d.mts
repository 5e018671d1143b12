export class FramesTransformError extends Error {}
export function transformFrames(code: string, filename: string): { code: string; map: object } | null;
