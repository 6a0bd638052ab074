// weft's worker entry on Node (see worker.ts). Plain JavaScript so that Node starts it without a loader.
// It builds the WorkerSidePort (ports.ts) over worker_threads and hands it to core's worker loop, whose
// URL (and the app module's) arrive in workerData.
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import { threadNice } from "./nice.mjs";

const TYPESCRIPT = /\.[cm]?tsx?$/;

// Register tsx only when a module to import is TypeScript and this Node cannot strip types itself
// (Node 20 cannot; `process.features.typescript` is set where it can). A compiled build never needs it.
if ((TYPESCRIPT.test(workerData.loop) || TYPESCRIPT.test(workerData.module)) && !process.features.typescript) {
  const { register } = await import("tsx/esm/api");
  register();
}

const { runWorker } = await import(workerData.loop);
await runWorker({
  data: workerData,
  post: (message, transfer) => parentPort.postMessage(message, transfer),
  onMessage: (listener) => parentPort.on("message", listener),
  exit: (code) => process.exit(code),
  nice: threadNice,
});
