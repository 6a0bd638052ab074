// Every limit and timeout weft enforces, in one place.
//
// Each field says its unit, its default and what 0 means. Defaults are resolved once, by
// `resolveLimits` / `resolveTimeouts` / `resolvePoolOptions`; no other file in core holds a magic number
// for any of these. Choices are compared with node:http, hyper, uWebSockets and nginx in NOTES.md.

/** Limits on what a client may send. All sizes are in bytes. */
export interface Limits {
  /** Longest request line (method SP target SP version), CRLF excluded. Over it: 414 when the target is
   * what is long, else 400. Default 8 KiB. 0 is not allowed (a request line always exists). */
  maxRequestLineBytes: number;
  /** Total bytes of the field section (all field lines with their CRLFs, request line excluded).
   * Over it: 431. Default 16 KiB, as node:http. */
  maxHeaderBytes: number;
  /** Number of field lines in one head. Over it: 431. Default 100, as hyper and uWebSockets. */
  maxHeaderCount: number;
  /** Largest request body: announced by Content-Length (rejected before reading it) or reached while
   * reading chunks. Over it: 413. Default 1 MiB. 0 means no request may carry a body. */
  maxBodyBytes: number;
  /** Bytes of chunk extensions (`;name=value…`) on one chunk-size line. Over it: 400. Default 1 KiB. */
  maxChunkExtensionBytes: number;
  /** Total bytes of a chunked trailer section. Over it: 431. Default 8 KiB. */
  maxTrailerBytes: number;
}

/** Leniencies. Each one is off by default; each is a request-smuggling risk when a proxy in front of
 * weft disagrees with it, which is why it must be asked for by name. */
export interface Leniency {
  /** Accept a bare LF (no CR) as the end of the request line and of field lines (RFC 9112 §2.2 allows a
   * recipient to). Never accepted inside chunked framing. Default false: bare LF gets 400. */
  allowBareLf: boolean;
}

/** Timeouts, in milliseconds. 0 disables that timeout. */
export interface Timeouts {
  /** From the first byte of a request (or from accept, for the first request) until its head is
   * complete. On expiry: 408 with `Connection: close`. Default 10 s (slowloris defence; uWebSockets uses 10 s). */
  headersTimeout: number;
  /** How long an idle keep-alive connection (no request in progress, nothing to write) is kept open.
   * On expiry: closed quietly. Default 5 s, as node:http. */
  keepAliveTimeout: number;
  /** Longest gap between two reads of a request body. On expiry: 408 if nothing was answered yet, then
   * close. Default 30 s. */
  bodyTimeout: number;
  /** Longest time the socket may refuse to drain written bytes (client not reading). On expiry: the
   * connection is destroyed. Also bounds how long a connection weft has ended (FIN sent) waits for the
   * peer's FIN before it is destroyed. Default 30 s. */
  writeTimeout: number;
}

/** Connection-level knobs. */
export interface ConnectionOptions {
  /** Most connections open at once. A connection accepted beyond it is closed at once, before any byte
   * is read. Default 10 000. 0 means no limit. */
  maxConnections: number;
  /** Most requests parsed ahead of the one being answered on one connection (pipelining depth). When
   * reached, reading from that socket pauses until responses go out. Default 64. */
  maxPipelinedRequests: number;
  /** Bytes of response data queued for one connection above which weft stops pulling from streaming
   * response bodies and stops reading the socket until it drains. Default 64 KiB. */
  highWaterMark: number;
  /** After a response, how many unread request-body bytes weft will read and discard to keep the
   * connection alive when the handler did not read its body. Above it the connection closes instead.
   * Default 64 KiB. 0: always close. */
  maxDiscardBodyBytes: number;
}

/** Worker-pool knobs (Piscina's vocabulary). */
export interface PoolOptions {
  /** Number of workers. Must be >= 1 in pool mode; `workers: 0` on `serve` means inline. Default 4. */
  workers: number;
  /** What a worker is. "thread" (default): a worker thread, the cheapest to start and to talk to.
   * "process": a child process of the same runtime over an IPC channel; it can always be killed and
   * running out of memory ends only itself, which Deno's threads cannot promise (a thread stuck in
   * synchronous code keeps running after terminate(); a thread out of memory ends the whole process).
   * Processes share no memory, so `lookahead` is off with them. */
  isolation: "thread" | "process";
  /** Memory limit per worker, MiB. Node threads: `resourceLimits.maxOldGenerationSizeMb`; processes on
   * Node and Deno: V8's `--max-old-space-size`; processes on Bun: the data segment limit (RLIMIT_DATA),
   * so allocation fails inside the worker. Deno and Bun threads cannot be limited (their runtimes take
   * no per-thread limit: use processes). Default 2048. 0: none of weft's own (the runtime's default). */
  maxMemoryMb: number;
  /** Jobs allowed to wait in the dispatcher's queue for a worker (beyond those held by busy workers,
   * see `lookahead`). When full, the request is answered 503 with Retry-After at
   * once. Default 1024. 0 means no queue: a job is refused unless a worker can take it at once. */
  maxQueue: number;
  /** Deadline for one job, from dispatch to the end of its response head. On expiry the client gets
   * 504, the worker is terminated and replaced. After the head, a worker with a response in flight
   * that stays silent this long is pinged, and if silent one more period (stuck in synchronous code
   * mid-body) terminated and replaced. Default 30 s. 0 disables both. */
  taskTimeout: number;
  /** Jobs one worker runs at once (for async handlers). Default 1, the seed's model. */
  concurrency: number;
  /** On close, how long in-flight and queued jobs may take before the remaining workers are
   * terminated. Default 10 s. 0 means terminate at once. */
  drainTimeout: number;
  /** Jobs without a request body that one busy worker may hold waiting behind its running ones, so it
   * goes from one job to the next without a round trip through the main thread (each round trip is two
   * thread wake-ups). A waiting job is taken back the moment any worker is free, so no job ever waits
   * while a worker is idle. Jobs go ahead only to a worker still moving: one whose last finished job is
   * within 1 ms of the most recent of any worker (pool/schedule.ts, pickAhead). Default 32: jobs parsed
   * in one turn then reach a busy worker together, and each wake-up of a worker serves more of them
   * (`GET /` through a pool of 2 with 50 connections: about 0.5 of inline at 8, 0.6 at 32; BENCHMARKS.md,
   * "The pool's wake-ups"). 0: a job is sent to a worker only when it can start at once. */
  lookahead: number;
  /** A worker that has not finished a job for this long (ms) counts as stalled (a slow or blocked
   * handler): it is sent no jobs ahead, and those it holds are taken back for the other workers the
   * next time one of them finishes a job. Default 5 ms. 0: any worker with no job just finished counts
   * as stalled (lookahead only helps back-to-back short jobs). */
  lookaheadStall: number;
  /** How long (ms) a thread worker with nothing running may wait for its next job blocked in
   * Atomics.wait before it goes back to its event loop. Waking a blocked thread costs the main thread
   * less than waking one that waits in Atomics.waitAsync, and the woken worker starts the job without a
   * turn of its event loop (`bench:pool`, BENCHMARKS.md). Only synchronous handlers gain: a job still
   * running (an async handler awaiting) means no hold. While it holds, the worker's event loop waits: a
   * timer or a promise that a finished handler left behind runs up to this late. The bound covers the
   * whole stretch away from its event loop, jobs run in it included, and timers that came due run before
   * the next hold. Messages from main (jobs with a body, shutdown) wake it at once. Default 2 ms. 0:
   * always wait on the event loop (as Piscina's `atomics: "async"`). */
  idleHold: number;
  /** How many nice steps below the thread that starts it (the main thread) a worker runs: it adds this
   * to its own nice value when it starts (capped at 19), so the scheduler lets main run first. Main
   * reads, parses and writes for every connection; on a machine with fewer cores than threads, a worker
   * woken for a job otherwise takes main's core in the middle of a turn, and every connection waits for
   * main (Piscina's `niceIncrement`, nginx's `worker_priority`). On Linux, where nice is per thread,
   * thread workers get it; process workers get it on every platform; thread workers elsewhere run at
   * main's priority (there it would lower the whole process). Deno needs
   * `--allow-sys=getPriority,setPriority` for it, and without that permission workers keep main's
   * priority (the pool's first worker warns, once: not its replacements). Default 5: `GET /` through
   * a pool of 2 on 2 cores, interleaved with 0, went from 0.64 to 0.67 of inline on Deno, 0.49 to
   * 0.56 on Bun and 0.56 to 0.62 on Node; a CPU-bound route moved by -2% to +9% (BENCHMARKS.md,
   * "Workers below main"). On Linux the nice value only weighs threads within one scheduling group (a
   * cgroup or a session's autogroup), so a server in its own service gives up CPU to its own main
   * thread, not to other services. 0: workers run at main's priority. */
  niceIncrement: number;
  /** Flow-control window, in body chunks, for each body crossing the pool (request body to a worker,
   * response body back): the sender stops after this many unread chunks until the reader returns
   * credit. Default 8. Must be >= 1. */
  bodyWindow: number;
}

/** Static files (serveStatic and the adapters' FileSystem ports). */
export interface StaticFileOptions {
  /** Bytes read from disk per pull of a file body stream (FileSystem.openRange). Memory held by one
   * streaming file response is about this plus the connection's highWaterMark, whatever the file size.
   * Default 64 KiB. Must be > 0. */
  readChunkBytes: number;
}

export const DEFAULT_STATIC_FILE_OPTIONS: Readonly<StaticFileOptions> = Object.freeze({
  readChunkBytes: 64 * 1024,
});

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
  maxChunkExtensionBytes: 1024,
  maxTrailerBytes: 8 * 1024,
});

export const DEFAULT_LENIENCY: Readonly<Leniency> = Object.freeze({
  allowBareLf: false,
});

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  headersTimeout: 10_000,
  keepAliveTimeout: 5_000,
  bodyTimeout: 30_000,
  writeTimeout: 30_000,
});

export const DEFAULT_CONNECTION_OPTIONS: Readonly<ConnectionOptions> = Object.freeze({
  maxConnections: 10_000,
  maxPipelinedRequests: 64,
  highWaterMark: 64 * 1024,
  maxDiscardBodyBytes: 64 * 1024,
});

/** Nice values run from -20 to 19: an increment above 19 could only ever mean "the lowest". */
const MAX_NICE_INCREMENT = 19;

export const DEFAULT_POOL_OPTIONS: Readonly<PoolOptions> = Object.freeze({
  workers: 4,
  isolation: "thread",
  maxMemoryMb: 2048,
  maxQueue: 1024,
  taskTimeout: 30_000,
  concurrency: 1,
  drainTimeout: 10_000,
  lookahead: 32,
  lookaheadStall: 5,
  idleHold: 2,
  niceIncrement: 5,
  bodyWindow: 8,
});

function resolve<T extends object>(name: string, defaults: Readonly<T>, given: Partial<T> | undefined): T {
  const out = { ...defaults } as T;
  if (!given) return out;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = given[key];
    if (value === undefined) continue;
    const expected = typeof defaults[key];
    if (typeof value !== expected || (expected === "number" && !(Number.isFinite(value) && (value as number) >= 0))) {
      throw new TypeError(`weft: ${name}.${String(key)} must be a ${expected === "number" ? "non-negative number" : expected}`);
    }
    out[key] = value as T[keyof T];
  }
  return out;
}

export const resolveLimits = (given?: Partial<Limits>): Limits => {
  const limits = resolve("limits", DEFAULT_LIMITS, given);
  if (limits.maxRequestLineBytes === 0) throw new TypeError("weft: limits.maxRequestLineBytes must be > 0");
  return limits;
};
export const resolveLeniency = (given?: Partial<Leniency>): Leniency => resolve("leniency", DEFAULT_LENIENCY, given);
export const resolveTimeouts = (given?: Partial<Timeouts>): Timeouts => resolve("timeouts", DEFAULT_TIMEOUTS, given);
export const resolveConnectionOptions = (given?: Partial<ConnectionOptions>): ConnectionOptions =>
  resolve("connection", DEFAULT_CONNECTION_OPTIONS, given);
export const resolvePoolOptions = (given?: Partial<PoolOptions>): PoolOptions => {
  const pool = resolve("pool", DEFAULT_POOL_OPTIONS, given);
  if (pool.workers < 1 || !Number.isInteger(pool.workers)) {
    throw new RangeError("weft: pool.workers must be an integer >= 1 (use `workers: 0` on serve() to run handlers inline)");
  }
  if (pool.isolation !== "thread" && pool.isolation !== "process") {
    throw new TypeError(`weft: pool.isolation must be "thread" or "process", got ${JSON.stringify(pool.isolation).slice(0, 32)}`);
  }
  if (!Number.isInteger(pool.maxMemoryMb)) throw new RangeError("weft: pool.maxMemoryMb must be an integer >= 0");
  if (pool.concurrency < 1) throw new RangeError("weft: pool.concurrency must be >= 1");
  if (pool.bodyWindow < 1) throw new RangeError("weft: pool.bodyWindow must be >= 1");
  if (!Number.isInteger(pool.niceIncrement) || pool.niceIncrement > MAX_NICE_INCREMENT) {
    throw new RangeError(`weft: pool.niceIncrement must be an integer from 0 to ${MAX_NICE_INCREMENT}`);
  }
  return pool;
};
