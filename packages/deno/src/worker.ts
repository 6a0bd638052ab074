// Worker threads on Deno: https://docs.deno.com/api/node/worker_threads/
// Translation only, the same skeleton as @weft/node's worker.ts. Deno's own Web Worker is NOT used:
// its terminate() returns but leaves a thread spinning in `while (true) {}` running, at a full core,
// and the process never exits (NOTES.md). Deno's node:worker_threads Worker.terminate() does stop it,
// and the pool's deadline promises exactly that (tested in core's pool tests on Deno).
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
