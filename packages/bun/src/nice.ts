// core's NiceValue port (ports.ts) over node:os, which Bun implements with setpriority(2):
// getPriority(0) and setPriority(0, …) act on the calling thread alone on Linux, and on the whole process
// elsewhere (setpriority(2), "BUGS"). Both worker entries import it.
import os from "node:os";
import process from "node:process";
import type { NiceValue } from "@weft/core";

/** The calling worker's own nice value: a child process's (any platform), a thread's (Linux). */
export const ownNice: NiceValue = { get: () => os.getPriority(0), set: (value) => os.setPriority(0, value) };

/** For a thread worker: only where the value is the thread's own. */
export const threadNice: NiceValue | undefined = process.platform === "linux" ? ownNice : undefined;
