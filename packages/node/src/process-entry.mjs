// weft's worker entry on Node when the pool runs workers as child processes (see worker.ts): core's
// child side of a process worker, over this process's IPC channel to the parent. Plain JavaScript for
// the same reason as worker-entry.mjs: tsx is registered here first when core or the app is TypeScript.
import process from "node:process";
import { ownNice } from "./nice.mjs";

const TYPESCRIPT = /\.[cm]?tsx?$/;
let registered = false;
async function loadTypeScript() {
  if (registered || process.features.typescript) return;
  registered = true;
  const { register } = await import("tsx/esm/api");
  register();
}

if (TYPESCRIPT.test(import.meta.resolve("@weft/core/pool"))) await loadTypeScript();
const { runAsChildProcess } = await import("@weft/core/pool");
runAsChildProcess(process, {
  prepare: async (data) => {
    if (TYPESCRIPT.test(data.module)) await loadTypeScript();
  },
  nice: ownNice,
});
