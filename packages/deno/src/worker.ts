// Workers on Deno: https://docs.deno.com/api/node/worker_threads/ and
// https://docs.deno.com/api/node/child_process/~/fork
// Translation only, the same skeleton as @weft/node's worker.ts.
//
// Threads: Deno's own Web Worker is NOT used: its terminate() leaves a thread stuck in `for (;;) {}`
// spinning and the process then never exits (NOTES.md; checked again on 2.9.6). node:worker_threads is
// the lesser evil: its terminate() does not stop such a thread either (measured on 2.9.6: the core stays
// busy; denoland/deno#35657), but the process still exits normally. A thread takes no memory limit of its
// own, and one that reaches V8's heap limit ends the whole process.
// Processes (`isolation: "process"`) have neither gap: SIGKILL ends a spinning child, and a child's heap
// limit (`--max-old-space-size`, which Deno's fork() passes on as a V8 flag) ends only that child.
// node:worker_threads and node:child_process types (this package's tsconfig loads only Deno's)
/// <reference types="node" />
import { fork } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SpawnWorker } from "@weft/core";
import { forkedWorker } from "@weft/core/pool";

/** Deno runs TypeScript natively, so the entries are TypeScript too. */
const THREAD_ENTRY = new URL("./worker-entry.ts", import.meta.url);
const PROCESS_ENTRY = fileURLToPath(new URL("./process-entry.ts", import.meta.url));

export const spawnWorker: SpawnWorker = (data, events, options) => {
  if (options.isolation === "process") {
    const child = fork(PROCESS_ENTRY, [], {
      serialization: "advanced",
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      execArgv: options.maxMemoryMb > 0 ? [`--max-old-space-size=${options.maxMemoryMb}`] : [],
    });
    return forkedWorker(child, data, events, constants.signals);
  }
  const worker = new Worker(THREAD_ENTRY, { workerData: data });
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
