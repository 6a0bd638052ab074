// The public shape of weft: the same on every runtime. `@weft/node`, `@weft/deno`, `@weft/bun` and the
// runtime-neutral `weft` package all export `serve(options): Promise<Server>` with these types.

import type { ConnectionOptions, Leniency, Limits, PoolOptions, Timeouts } from "./options.ts";
import type { FileSystem, Listen, Signals, SpawnWorker } from "./ports.ts";

/** What the handler learns about the connection (the shape Deno's serve() uses). */
export interface ServeInfo {
  remoteAddr: { transport: "tcp"; hostname: string; port: number };
}

/** The web-standard handler shape of Deno's and Bun's serve(), srvx and Hono's `app.fetch`. */
export type FetchHandler = (request: Request, info: ServeInfo) => Response | Promise<Response>;

/** An app module run on the worker pool: `export default { fetch }`. */
export interface AppModule {
  fetch: FetchHandler;
}

/** One line of the access log. */
export interface AccessLogEntry {
  remoteAddress: string;
  method: string;
  target: string;
  /** "HTTP/1.1" or "HTTP/1.0". */
  version: string;
  status: number;
  /** Body bytes written (excluding head and chunk framing). */
  bytes: number;
  /** When the request head was complete, ms since the epoch. */
  startedAt: number;
  /** Milliseconds from head complete to last byte queued. */
  durationMs: number;
  /** Pool worker id, when the request ran on the pool. */
  workerId?: number;
}

export interface ServeOptions {
  /** Inline handler, run on the event loop. Either `fetch` or `module` is required. */
  fetch?: FetchHandler;
  /** App module (`export default { fetch }`), imported by every pool worker. With `workers: 0` it is
   * imported on the main thread and run inline. */
  module?: URL | string;
  /** Pool size for `module`: 0 runs inline; >= 1 runs handlers on that many worker threads. Default 0
   * with `fetch`, `pool.workers` (4) with `module`. */
  workers?: number;
  /** Interface to bind. Default "127.0.0.1". */
  hostname?: string;
  /** Port to bind; 0 = any free port (read it back from `server.port`). Default 0. */
  port?: number;
  limits?: Partial<Limits>;
  leniency?: Partial<Leniency>;
  timeouts?: Partial<Timeouts>;
  connection?: Partial<ConnectionOptions>;
  pool?: Partial<PoolOptions>;
  /** Aborting it starts a graceful close, as `server.close()`. */
  signal?: AbortSignal;
  /** Close gracefully on SIGINT/SIGTERM (a second signal forces an immediate stop). Default false for the
   * library; apps and the CLI turn it on. */
  handleSignals?: boolean;
  /** Called once per completed response. */
  onLog?: (entry: AccessLogEntry) => void;
  /** Install weft's lighter `Response` class as the global `Response` (weft-response.ts): a response
   * made from a string or bytes is then written without a stream (on Node, `new Response()` itself is
   * several times cheaper). `instanceof Response` still holds for every Response. Default true; false
   * leaves the global alone. The pool's workers always install it. */
  fastResponse?: boolean;
  /** Verbose pool logging (which worker took each job, each worker as it stops). */
  onPoolLog?: (line: string) => void;
}

export interface Server {
  readonly hostname: string;
  readonly port: number;
  /** `http://hostname:port/` (IPv6 hosts in brackets). */
  readonly url: string;
  /** Graceful: stop accepting, finish in-flight and queued requests (their responses carry
   * `Connection: close`), close idle connections, stop the pool. Resolves when fully stopped. */
  close(): Promise<void>;
  /** Settles when the server has fully stopped, however that was asked. */
  readonly finished: Promise<void>;
  /** Pool statistics (all zeros when handlers run inline). */
  stats(): PoolStats;
}

export interface WorkerStats {
  id: number;
  /** True while a thread for this id is up and taking jobs (false while it is replaced or stopped). */
  alive: boolean;
  busyMs: number;
  completed: number;
  running: number;
}

export interface PoolStats {
  workers: number;
  /** Jobs in the dispatcher's queue, waiting for a worker. */
  queued: number;
  /** Jobs handed to workers: running, or held ahead at a busy worker (`pool.lookahead`). */
  running: number;
  /** Jobs whose response went out whole (whatever status the app chose). */
  completed: number;
  /** Jobs answered by the pool instead: 500 (handler threw), 502 (worker died), 504 (deadline), 503
   * (queue full or closing). */
  failed: number;
  /** Workers replaced after dying or missing a deadline. */
  restarts: number;
  perWorker: WorkerStats[];
}

/** Everything an adapter provides to core's `createServer`. */
export interface RuntimePorts {
  listen: Listen;
  /** The worker host, loaded when serve() starts a pool and never otherwise: its runtime modules
   * (node:worker_threads, node:child_process) are not loaded by an inline server. */
  loadWorkerHost(): Promise<SpawnWorker>;
  signals: Signals;
  fs: FileSystem;
  /** Import an app module on the main thread (inline module mode). */
  importModule(url: string): Promise<unknown>;
}
