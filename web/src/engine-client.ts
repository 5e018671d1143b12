/**
 * The engine's Web Worker as the page sees it: requests go one at a time, each answered by
 * one reply (an exploration streams its progress before). A worker silent for longer than
 * its timeout — scenario code that loops without ever yielding to the engine — is ended
 * and replaced by a fresh one, and the request fails with EngineStopped.
 */
import type { FromWorker } from "../../src/web/types.js";
import type { Reply, Request } from "./protocol.js";

export type Progress = Extract<FromWorker, { type: "explore-progress" }>;

export class EngineStopped extends Error {}

interface Pending {
  resolve(r: Reply): void;
  reject(e: Error): void;
  onProgress: ((p: Progress) => void) | undefined;
}

export class EngineWorker {
  private worker: Worker;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly timeoutMs: number) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(new URL("./engine.worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<Reply>) => this.receive(e.data);
    w.onerror = (e) => this.stop(`the engine failed: ${e.message}`);
    return w;
  }

  /** Sends a request once the ones before it are answered; resolves with its reply. */
  request(req: Request, onProgress?: (p: Progress) => void): Promise<Reply> {
    const send = () =>
      new Promise<Reply>((resolve, reject) => {
        this.pending = { resolve, reject, onProgress };
        this.arm();
        this.worker.postMessage(req);
      });
    const reply = this.queue.then(send, send);
    this.queue = reply.catch(() => {});
    return reply;
  }

  private receive(r: Reply): void {
    const p = this.pending;
    if (p === null) return;
    this.arm();
    if (r.type === "explore-progress") {
      p.onProgress?.(r);
      return;
    }
    clearTimeout(this.timer);
    this.pending = null;
    p.resolve(r);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.stop(`the engine did not answer for ${this.timeoutMs / 1000} s (scenario code that never yields?)`),
      this.timeoutMs,
    );
  }

  /** Ends the worker and what it was doing (its request fails with `reason`); a fresh one takes its place. */
  stop(reason: string): void {
    clearTimeout(this.timer);
    this.worker.terminate();
    this.worker = this.spawn();
    const p = this.pending;
    this.pending = null;
    p?.reject(new EngineStopped(reason));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.worker.terminate();
  }
}
