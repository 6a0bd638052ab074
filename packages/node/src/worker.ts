// Workers on Node: https://nodejs.org/api/worker_threads.html and
// https://nodejs.org/api/child_process.html#child_processforkmodulepath-args-options
// Translation only: start weft's worker entry with the pool's start-up data, pass messages both ways,
// report the exit. Everything the pool decides lives in @weft/core (pool/pool.ts).
import { fork } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SpawnWorker, WorkerEvents, WorkerHandle } from "@weft/core";
import { forkedWorker } from "@weft/core/pool";

/** Plain .mjs entries: Node 20 will not start a worker from a .ts file, even with tsx loaded in the
 * parent (NOTES.md); each entry registers tsx itself when the modules it imports need it. */
const THREAD_ENTRY = new URL("./worker-entry.mjs", import.meta.url);
const PROCESS_ENTRY = fileURLToPath(new URL("./process-entry.mjs", import.meta.url));

export const spawnWorker: SpawnWorker = (data, events, options) => {
  if (options.isolation === "process") return spawnProcess(data, events, options.maxMemoryMb);
  const worker = new Worker(THREAD_ENTRY, {
    workerData: data,
    // Past it Node ends the thread with ERR_WORKER_OUT_OF_MEMORY; the pool sees an exit.
    ...(options.maxMemoryMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb } } : {}),
  });
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

/** A child process of this Node over an IPC channel with structured-clone ("advanced") serialization. */
function spawnProcess(data: unknown, events: WorkerEvents, maxMemoryMb: number): WorkerHandle {
  const child = fork(PROCESS_ENTRY, [], {
    serialization: "advanced",
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    // Not the parent's flags (an --inspect port, --cpu-prof): only the heap limit, past which V8 aborts
    // the child alone.
    execArgv: maxMemoryMb > 0 ? [`--max-old-space-size=${maxMemoryMb}`] : [],
  });
  return forkedWorker(child, data, events, constants.signals);
}
