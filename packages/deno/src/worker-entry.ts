// weft's worker entry on Deno (see worker.ts): builds the WorkerSidePort (ports.ts) over
// node:worker_threads and hands it to core's worker loop, whose URL arrives in workerData.
// node:worker_threads types (this package's tsconfig loads only Deno's)
/// <reference types="node" />
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import { threadNice } from "./nice.ts";

interface StartData {
  loop: string;
}

const port = parentPort!;
const { runWorker } = await import((workerData as StartData).loop);
await runWorker({
  data: workerData,
  post: (message: unknown, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer),
  onMessage: (listener: (message: unknown) => void) => port.on("message", listener),
  exit: (code: number) => process.exit(code),
  nice: threadNice,
});
