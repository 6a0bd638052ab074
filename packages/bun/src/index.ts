// @weft/bun: weft on Bun (https://bun.com/docs). Each port is translated in its own file; this one
// only wires them into core's createServer.
import { createServer } from "@weft/core";
import type { Server, ServeOptions } from "@weft/core";
import { fs } from "./fs.ts";
import { listen } from "./listen.ts";
import { signals } from "./signals.ts";
import { spawnWorker } from "./worker.ts";

const importModule = (url: string): Promise<unknown> => import(url);

export function serve(options: ServeOptions): Promise<Server> {
  return createServer(options, { listen, spawnWorker, signals, fs, importModule });
}

/** The FileSystem port (static files), for apps that serve files themselves. */
export { fs };
export type * from "@weft/core";
