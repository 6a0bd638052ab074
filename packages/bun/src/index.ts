// @weft/bun: weft on Bun (https://bun.com/docs). Each port is translated in its own file; this one
// only wires them into core's createServer.
import { createServer } from "@weft/core";
import type { Server, ServeOptions } from "@weft/core";
import { fs } from "./fs.ts";
import { listen } from "./listen.ts";
import { signals } from "./signals.ts";

const importModule = (url: string): Promise<unknown> => import(url);
/** worker.ts, only when serve() starts a pool (an inline server never loads its runtime modules). */
const loadWorkerHost = async () => (await import("./worker.ts")).spawnWorker;

export function serve(options: ServeOptions): Promise<Server> {
  return createServer(options, { listen, loadWorkerHost, signals, fs, importModule });
}

/** The FileSystem port (static files), for apps that serve files themselves. */
export { fs };
export type * from "@weft/core";
