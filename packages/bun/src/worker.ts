// Workers on Bun: https://bun.com/docs/runtime/workers and https://bun.com/docs/runtime/child-process
// Translation only, the same skeleton as @weft/node's worker.ts.
//
// Threads: Bun's Web Worker is used rather than
// its node:worker_threads: its terminate() stops a thread spinning in `for (;;) {}` (NOTES.md; the pool
// test checks the CPU goes quiet), which node:worker_threads was reported not to do (oven-sh/bun#12616);
// and it starts about 3× faster (2 workers: ~15 ms vs ~50 ms) and carried 20–45% more pool jobs per
// second in a 20 000-job loop measured here. JavaScriptCore takes no heap limit per thread.
// Processes (`isolation: "process"`): node:child_process fork() with structured-clone IPC. Bun has no
// heap-size flag either, so the memory limit is the kernel's: the child starts under `ulimit -d` (the
// data segment, RLIMIT_DATA: maxMemoryMb above what Bun reserves at start); past it an allocation
// fails in the child ("RangeError: Out of memory") and nothing else is touched. Where there is no /bin/sh (Windows) the limit is not applied.
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import type { SpawnWorker, WorkerEvents, WorkerHandle } from "@weft/core";
import { forkedWorker, type StartEnvelope } from "@weft/core/pool";

/** Bun runs TypeScript natively, so the entry is TypeScript too. */
const ENTRY = new URL("./worker-entry.ts", import.meta.url).href;
const PROCESS_ENTRY = fileURLToPath(new URL("./process-entry.ts", import.meta.url));
const SHELL = "/bin/sh";
/** Writable address space Bun reserves before the app allocates anything (VmData at start: ~205 MiB when
 * constrained, 6 GiB when not; under 270 MiB it aborts while starting; Bun 1.4.5, measured). The data
 * limit is maxMemoryMb on top of this, so the knob means about the same as a V8 heap limit. */
const BUN_BASELINE_MB = 320;

export const spawnWorker: SpawnWorker = (data, events, options) => {
  if (options.isolation === "process") return spawnProcess(data, events, options.maxMemoryMb);
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
  // The first message carries the start-up data (Web Workers have no `workerData`).
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

function spawnProcess(data: unknown, events: WorkerEvents, maxMemoryMb: number): WorkerHandle {
  // fork() runs `execPath ...execArgv entry`: here `sh -c 'ulimit -d KiB && exec "$0" "$@"' bun entry`.
  const limited = maxMemoryMb > 0 && existsSync(SHELL);
  const child = fork(PROCESS_ENTRY, [], {
    serialization: "advanced",
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    ...(limited ? { execPath: SHELL, execArgv: ["-c", `ulimit -d ${(BUN_BASELINE_MB + maxMemoryMb) * 1024} && exec "$0" "$@"`, process.execPath] } : { execArgv: [] }),
  });
  return forkedWorker(child, data, events, constants.signals);
}
