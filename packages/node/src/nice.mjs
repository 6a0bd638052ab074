// core's NiceValue port (ports.ts) over node:os. Plain JavaScript: both worker entries import it.
// getPriority(0) and setPriority(0, …) act on the calling thread alone on Linux, and on the whole process
// elsewhere: https://nodejs.org/api/os.html#ossetprioritypid-priority and setpriority(2), "BUGS".
import os from "node:os";
import process from "node:process";

/** The calling worker's own nice value: a child process's (any platform), a thread's (Linux). */
export const ownNice = { get: () => os.getPriority(0), set: (value) => os.setPriority(0, value) };

/** For a thread worker: only where the value is the thread's own. */
export const threadNice = process.platform === "linux" ? ownNice : undefined;
