// weft's worker entry on Bun (see worker.ts): the first message carries the start-up data; the entry
// then builds the WorkerSidePort (ports.ts) over the Web Worker scope and hands it to core's worker loop.
import process from "node:process";
import type { WorkerSidePort } from "@weft/core";
import type { StartEnvelope } from "@weft/core/pool";
import { threadNice } from "./nice.ts";

declare const self: Worker;

let started = false;
/** The loop's listener once it has one. Messages that arrive before (a "shutdown" sent while the app
 * module is still loading) wait in `early`: a Web Worker drops messages nobody listens to. */
let deliver: ((message: unknown) => void) | null = null;
const early: unknown[] = [];

self.addEventListener("message", (event) => {
  const message = (event as MessageEvent).data;
  if (!started) {
    started = true;
    void boot((message as StartEnvelope).weftStart as { loop: string });
  } else if (deliver) deliver(message);
  else early.push(message);
});

async function boot(data: { loop: string }): Promise<void> {
  const { runWorker } = (await import(data.loop)) as { runWorker(port: WorkerSidePort): Promise<void> };
  await runWorker({
    data,
    post: (message, transfer) => self.postMessage(message, transfer ?? []),
    onMessage: (listener) => {
      deliver = listener;
      for (const message of early.splice(0)) listener(message);
    },
    // In a Bun worker, process.exit() ends this thread only (its code reaches the "close" event).
    exit: (code) => process.exit(code),
    nice: threadNice,
  });
}
