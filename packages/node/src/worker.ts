// Worker threads on Node: https://nodejs.org/api/worker_threads.html
// Translation only: start weft's worker entry with the pool's start-up data, pass messages both ways,
// report the exit. Everything the pool decides lives in @weft/core (pool/pool.ts).
import { Worker } from "node:worker_threads";
import type { SpawnWorker } from "@weft/core";

/** A plain .mjs entry: Node 20 will not start a worker from a .ts file, even with tsx loaded in the
 * parent (NOTES.md); the entry registers tsx itself when the modules it imports need it. */
const ENTRY = new URL("./worker-entry.mjs", import.meta.url);

export const spawnWorker: SpawnWorker = (data, events) => {
  const worker = new Worker(ENTRY, { workerData: data });
  worker.on("message", (message) => events.onMessage(message));
  worker.on("error", (error) => events.onError(error));
  worker.on("exit", (code) => events.onExit(code));
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    // terminate() stops even a thread spinning in `while (true) {}` within milliseconds (NOTES.md).
    terminate: async () => {
      await worker.terminate();
    },
  };
};
