// weft's worker entry on Bun (see worker.ts): waits for the start-up message, then builds the
// WorkerSidePort (ports.ts) over the Web Worker scope and hands it to core's worker loop.
import process from "node:process";
import type { WorkerSidePort } from "@weft/core";
import type { StartEnvelope } from "./worker.ts";

declare const self: Worker;

self.addEventListener(
  "message",
  async (event) => {
    const data = ((event as MessageEvent).data as StartEnvelope).weftStart as { loop: string };
    const { runWorker } = (await import(data.loop)) as { runWorker(port: WorkerSidePort): Promise<void> };
    await runWorker({
      data,
      post: (message, transfer) => self.postMessage(message, transfer ?? []),
      onMessage: (listener) => self.addEventListener("message", (e) => listener((e as MessageEvent).data)),
      // In a Bun worker, process.exit() ends this thread only (its code reaches the "close" event).
      exit: (code) => process.exit(code),
    });
  },
  { once: true },
);
