// The page's side of the worker: one request at a time, each with a deadline. A request that
// runs past it is a runaway: the worker is terminated (nothing else can stop wasm mid-call),
// a fresh one started, and the caller told, while the page keeps its last good view.
import type { Request, Reply } from "./worker";

/** A render that takes longer than this is stopped and the worker restarted. */
export const RUNAWAY_MS = 5000;

type Pending = { request: Request; resolve: (r: Reply) => void; reject: (e: Error) => void; timer?: number };

export class Runaway extends Error {}

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export class Engine {
  private worker!: Worker;
  private ready!: Promise<void>;
  private next = 1;
  private queue: Pending[] = [];
  private current: Pending | undefined;
  onRestart: (why: "runaway" | "crash") => void = () => {};

  constructor() {
    this.start();
  }

  private start() {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.ready = new Promise((resolve) => {
      this.worker.onmessage = (event: MessageEvent<Reply | { ready: true }>) => {
        if ("ready" in event.data) {
          resolve();
          this.pump();
          return;
        }
        const done = this.current;
        if (!done || event.data.id !== done.request.id) return;
        clearTimeout(done.timer);
        this.current = undefined;
        const trapped = !event.data.ok && event.data.trapped === true;
        if (trapped) {
          // The instance that trapped is never used again.
          this.worker.terminate();
          this.start();
        }
        done.resolve(event.data);
        if (trapped) this.onRestart("crash");
        this.pump();
      };
    });
  }

  /** Sends a request; `id` is filled in. */
  request(request: WithoutId<Request>): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const full = { ...request, id: this.next++ } as Request;
      this.queue.push({ request: full, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    if (this.current || this.queue.length === 0) return;
    const pending = this.queue.shift()!;
    this.current = pending;
    pending.timer = window.setTimeout(() => this.runaway(), RUNAWAY_MS);
    this.ready.then(() => this.worker.postMessage(pending.request));
  }

  private runaway() {
    const stopped = this.current;
    this.current = undefined;
    this.worker.terminate();
    this.start();
    stopped?.reject(new Runaway(`The ${stopped.request.kind} took longer than ${RUNAWAY_MS / 1000} s and was stopped; the worker was restarted.`));
    this.onRestart("runaway");
  }
}
