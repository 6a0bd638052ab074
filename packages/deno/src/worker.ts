// Worker threads on Deno: https://docs.deno.com/api/node/worker_threads/
// Translation only, the same skeleton as @weft/node's worker.ts. Deno's own Web Worker is NOT used: its
// terminate() leaves a thread stuck in `for (;;) {}` spinning and the process then never exits (NOTES.md;
// checked again on 2.9.6). node:worker_threads is the lesser evil: its terminate() does not stop such a
// thread either (measured on 2.9.6: the core stays busy; denoland/deno#35657), but the process still
// exits normally. So on Deno a missed deadline still answers 504 and spawns a replacement, while the
// stuck thread is abandoned rather than killed (core's pool test names this gap).
// node:worker_threads types (this package's tsconfig loads only Deno's)
/// <reference types="node" />
import { Worker } from "node:worker_threads";
import type { SpawnWorker } from "@weft/core";

/** Deno runs TypeScript natively, so the entry is TypeScript too. */
const ENTRY = new URL("./worker-entry.ts", import.meta.url);

export const spawnWorker: SpawnWorker = (data, events) => {
  const worker = new Worker(ENTRY, { workerData: data });
  worker.on("message", (message: unknown) => events.onMessage(message));
  worker.on("error", (error: unknown) => events.onError(error));
  worker.on("exit", (code: number) => events.onExit(code));
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    terminate: async () => {
      await worker.terminate();
    },
  };
};
