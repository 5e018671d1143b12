export class FramesTransformError extends Error {}
export interface FramesOptions {
  /** Compile plain generator functions and methods too, not only kfuncs. */
  plain?: boolean;
  /** Refuse (throw) a generator that cannot be compiled; else leave it a generator. */
  strict?: boolean;
  /** The module compiled plain generators import the frame runtime from (null: `$rt` is in scope). */
  runtime?: string | null;
}
export function compileOptions(file: string): FramesOptions | null;
export function transformFrames(
  code: string,
  filename: string,
  options?: FramesOptions,
): { code: string; map: object } | null;
