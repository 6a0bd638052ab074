// core's NiceValue port (ports.ts) over node:os: https://docs.deno.com/api/node/os/ . getPriority(0) and
// setPriority(0, …) act on the calling thread alone on Linux, and on the whole process elsewhere
// (setpriority(2), "BUGS"). Both worker entries import it.
// node:os types (this package's tsconfig loads only Deno's)
/// <reference types="node" />
import os from "node:os";
import type { NiceValue } from "@weft/core";

/** Both calls need `--allow-sys=getPriority,setPriority`. Without it they are not made at all: Deno
 * would otherwise prompt on a terminal, from a worker. */
const granted = (kind: "getPriority" | "setPriority") => Deno.permissions.querySync({ name: "sys", kind }).state === "granted";

/** The calling worker's own nice value: a child process's (any platform), a thread's (Linux). */
export const ownNice: NiceValue = {
  get: () => {
    if (!granted("getPriority") || !granted("setPriority")) throw new Error("Deno needs --allow-sys=getPriority,setPriority for it");
    return os.getPriority(0);
  },
  set: (value) => os.setPriority(0, value),
};

/** For a thread worker: only where the value is the thread's own. */
export const threadNice: NiceValue | undefined = Deno.build.os === "linux" ? ownNice : undefined;
