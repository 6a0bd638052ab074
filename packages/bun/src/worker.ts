// Worker threads on Bun: https://bun.com/docs/runtime/workers
// Translation only, the same skeleton as @weft/node's worker.ts. Bun's Web Worker is used rather than
// its node:worker_threads: its terminate() stops a thread spinning in `for (;;) {}` (NOTES.md; the pool
// test checks the CPU goes quiet), which node:worker_threads was reported not to do (oven-sh/bun#12616);
// and it starts about 3× faster (2 workers: ~15 ms vs ~50 ms) and carried 20–45% more pool jobs per
// second in a 20 000-job loop measured here.
import type { SpawnWorker } from "@weft/core";

/** Bun runs TypeScript natively, so the entry is TypeScript too. */
const ENTRY = new URL("./worker-entry.ts", import.meta.url).href;

/** The first message a worker receives carries its start-up data (Web Workers have no `workerData`). */
export interface StartEnvelope {
  weftStart: unknown;
}

export const spawnWorker: SpawnWorker = (data, events) => {
  // `env`: a copy of the parent's environment as it is now, as Node's worker_threads give by default;
  // without it a Bun Web Worker sees the environment from process start (the CLI hands its workers their
  // configuration through an environment variable set just before serve()).
  const worker = new Worker(ENTRY, { env: { ...process.env } as Record<string, string> });
  let gone = false;
  worker.addEventListener("message", (event) => events.onMessage((event as MessageEvent).data));
  worker.addEventListener("error", (event) => {
    events.onError((event as ErrorEvent).error ?? (event as ErrorEvent).message);
    // A Web Worker survives an uncaught error; the port promises the thread is then gone (as on Node),
    // so the pool replaces it instead of trusting a thread in an unknown state.
    worker.terminate();
  });
  worker.addEventListener("close", (event) => {
    if (gone) return;
    gone = true;
    events.onExit((event as CloseEvent).code ?? 0);
  });
  worker.postMessage({ weftStart: data } satisfies StartEnvelope);
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    terminate: async () => {
      if (gone) return;
      const closed = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve(), { once: true }));
      worker.terminate();
      await closed;
    },
  };
};
