// The ports: the only ways core talks to the world. Each adapter (@weft/node, @weft/deno, @weft/bun)
// implements them with its runtime's API and decides nothing about HTTP.

// ---------------------------------------------------------------------------------------------------
// Sockets

/** One accepted TCP connection, as core sees it. Implemented by each adapter. */
export interface Transport {
  /** Queue bytes for the peer. `data` is handed over: core never touches a buffer again after passing it
   * here, so an adapter that cannot write it fully right now may keep it (or a subarray) without copying
   * (connection.ts writes fresh buffers or shared constants it never modifies). Returns false when the
   * adapter's write buffer is now above its high-water mark: core then stops writing and waits for
   * `ConnectionEvents.onDrain`. Writing after close is a no-op that returns false. */
  write(data: Uint8Array): boolean;
  /** Optional: queue several buffers, in order, as one write: one system call and no copy where the
   * socket API gathers (Node: cork, then writev), or one buffer joined by the adapter where copies are
   * cheap (Bun; `totalBytes` is the chunks' summed length, for core's `concat`). Handed over and answered
   * as `write`. Without it core joins what it has into one buffer, and does not hold a head back for its
   * body (see connection.ts, `writeStreamed`). */
  writev?(chunks: Uint8Array[], totalBytes: number): boolean;
  /** Stop delivering `onData` until `resumeReading`. Idempotent. */
  pauseReading(): void;
  /** Deliver `onData` again. Idempotent. */
  resumeReading(): void;
  /** Send FIN after everything written so far is flushed, then close the socket. `onClose` follows. */
  end(): void;
  /** Close now, dropping unflushed bytes (RST where the runtime allows). `onClose` follows. */
  destroy(): void;
  /** Peer address, for `info.remoteAddr` and logs. */
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** What the adapter calls on core for one connection. Returned by `Listener`'s accept callback. */
export interface ConnectionEvents {
  /** Bytes from the peer. `chunk` is valid only during this call (adapters may reuse read buffers). */
  onData(chunk: Uint8Array): void;
  /** The write buffer went below its high-water mark after `write` returned false. */
  onDrain(): void;
  /** The peer half-closed (FIN). The socket can still be written to. */
  onEnd(): void;
  /** The socket is fully closed (after end/destroy, a reset, or an error). Called exactly once. */
  onClose(error?: unknown): void;
}

export interface ListenOptions {
  hostname: string;
  /** 0 = any free port. */
  port: number;
}

/** A bound TCP listener. */
export interface Listener {
  /** The address actually bound (port filled in when 0 was asked). */
  readonly hostname: string;
  readonly port: number;
  /** Stop accepting. Open connections are not touched (core closes them). Resolves when the listening
   * socket is closed. */
  close(): Promise<void>;
}

/** Implemented by each adapter: bind, and call `accept` for every new connection. */
export type Listen = (
  options: ListenOptions,
  accept: (transport: Transport) => ConnectionEvents,
) => Promise<Listener>;

// ---------------------------------------------------------------------------------------------------
// Worker threads

/** One worker running weft's worker entry for this runtime: a thread, or a child process (see
 * `SpawnOptions.isolation`). */
export interface WorkerHandle {
  /** Post a structured-clone message; ArrayBuffers in `transfer` are moved, not copied (a child
   * process gets a copy). */
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Kill the worker now. Resolves when it is gone. A thread stuck in synchronous code must really
   * stop (Deno's threads do not: NOTES.md; `isolation: "process"` is the answer there). */
  terminate(): Promise<void>;
}

export interface WorkerEvents {
  onMessage(message: unknown): void;
  /** The worker failed with an uncaught error. `onExit` follows. */
  onError(error: unknown): void;
  /** The worker is gone, for any reason. Called exactly once. A process killed by a signal reports
   * 128 + the signal's number, as a shell does. */
  onExit(code: number): void;
}

/** How one worker is started (PoolOptions.isolation and .maxMemoryMb). */
export interface SpawnOptions {
  /** "thread": a worker thread of this process, sharing memory with it. "process": a child process
   * of the same runtime, talking over an IPC channel, which can always be killed and whose running
   * out of memory ends only itself. */
  isolation: "thread" | "process";
  /** Memory limit for the worker in MiB, 0 for none of weft's own. How each runtime applies it, and
   * where it cannot, is the adapter's to say (README "Worker pool"). */
  maxMemoryMb: number;
}

/** Implemented by each adapter: start one worker that will run weft's worker loop. `data` is delivered
 * to the worker side as its start-up data. */
export type SpawnWorker = (data: unknown, events: WorkerEvents, options: SpawnOptions) => WorkerHandle;

/** The worker side of the same channel, as seen from inside the thread. */
export interface WorkerSidePort {
  readonly data: unknown;
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** End this worker (used by the worker loop after "shutdown"); messages already posted still arrive. */
  exit(code: number): void;
  /** This worker's own nice value (-20..19, higher runs later: pool.niceIncrement), where it can be
   * changed for this worker alone; absent where changing it would change the main thread's too. */
  readonly nice?: NiceValue;
}

/** The calling worker's scheduling priority as a Unix nice value (node:os getPriority(0) and
 * setPriority(0, value): on Linux a thread's own; in a child process the process's). */
export interface NiceValue {
  get(): number;
  set(value: number): void;
}

// ---------------------------------------------------------------------------------------------------
// File system (static files)

export interface FileStat {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  /** Modification time in ms since the epoch, or null if unknown. */
  mtimeMs: number | null;
  /** Inode or similar, for ETags; null if unknown. */
  ino: number | null;
}

export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** Paths use "/" separators. A path the process may not read rejects with an error whose `code` is
 * "EACCES" (adapters translate their runtime's permission error to it, so core can answer 403). */
export interface FileSystem {
  /** Follows symlinks. Resolves null when the path does not exist (or a parent is not a folder). */
  stat(path: string): Promise<FileStat | null>;
  /** Does not follow a final symlink. Resolves null when the path does not exist. */
  lstat(path: string): Promise<FileStat | null>;
  /** Canonical absolute path with every symlink resolved. */
  realPath(path: string): Promise<string>;
  readDir(path: string): Promise<DirEntry[]>;
  /** Stream bytes [start, end] (inclusive) of a file, pulled: the stream must read from disk only when
   * its consumer pulls (bounded memory for slow readers), `readChunkBytes` (options.ts) at a time. */
  openRange(path: string, start: number, end: number): ReadableStream<Uint8Array>;
}

// ---------------------------------------------------------------------------------------------------
// Process signals

export interface Signals {
  /** Call `listener` on SIGINT/SIGTERM. Returns a function that removes the listener. */
  onShutdownSignal(listener: (signal: "SIGINT" | "SIGTERM") => void): () => void;
}
