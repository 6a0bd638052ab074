// The worker-pool protocol (issue 4): every message that crosses between the dispatcher (main thread) and
// a worker, typed in this one file. Messages are structured-clone data; body chunks travel as
// transferable ArrayBuffers, so a body is moved between threads, not copied.
//
// Life of a job, as messages:
//   main → worker   job            method, url, header pairs, info, whether a body follows
//   main → worker   req-chunk …    request body, at most `credit` chunks ahead of what the worker read
//   worker → main   req-credit     the handler read some: main may send that many more chunks
//   main → worker   req-end        request body complete (or req-abort: it failed)
//   worker → main   head           status + field lines: main resolves pool.fetch() with a Response;
//                                  a small body already in memory rides in it (`bytes`) and the job ends
//                                  there: one message each way for a typical small response
// (Between threads, a job without a body and a head with its whole body usually cross through the
// worker's job rings instead, as records in shared memory: ring.ts. Everything else is a message.)
//   worker → main   res-chunk …    response body, at most `credit` chunks ahead of what main's consumer read
//   main → worker   res-credit     main's consumer pulled some: the worker may send that many more
//   worker → main   res-end        response complete: the job is done
//   worker → main   error          the handler threw/rejected (before head: 500; after: body aborted)
//   main → worker   cancel         main's consumer cancelled the response body
//   main → worker   ping / pong    liveness of a worker whose response body has gone quiet (pool.ts)
// Flow control in both directions counts chunks, not bytes: each side holds at most `window` chunks of
// the other's, whatever their size (a body stream's chunks are already bounded by whoever produced them).
//
// Every message carries `v`, the protocol version: a worker started from a different build of weft
// than the dispatcher is refused at "ready" rather than misread.

export const PROTOCOL_VERSION = 3;

/** Largest response body sent inside "head" instead of as chunks (a copy at most this big is cheaper
 * than the extra messages and stream machinery of a chunked transfer). */
export const INLINE_BODY_MAX_BYTES = 64 * 1024;
/** Microtask turns a body read may take and still count as "already in memory": reads of string, byte
 * and Blob bodies settle within 5 turns on Node, Deno and Bun (measured); a body fed by I/O does not,
 * and is streamed instead of waited for. */
export const IN_MEMORY_TICKS = 16;

/** Start-up data handed to `SpawnWorker` and delivered to the worker as `WorkerSidePort.data`. */
export interface WorkerStartData {
  v: number;
  /** 1..N, stable across replacements of the same slot (logs say "worker 2"). */
  workerId: number;
  /** URL of core's worker loop (`worker-loop.ts`): the adapter's entry imports it and calls `runWorker`. */
  loop: string;
  /** URL of the app module (`export default { fetch }`). */
  module: string;
  /** Response-body chunks the worker may send ahead of main's consumer, per job (flow control). */
  window: number;
  /** Jobs this worker runs at once; more that arrive (lookahead) wait in its local FIFO. */
  concurrency: number;
  /** Claim cells shared by main and every worker (see Claim below); null when lookahead is off. */
  claims: SharedArrayBuffer | null;
  /** This worker's two job rings (ring.ts); null for process workers, which share no memory. */
  rings: { toWorker: SharedArrayBuffer; toMain: SharedArrayBuffer } | null;
  /** pool.idleHold: ms this worker may block waiting for its next job (see Ring.listen). */
  idleHold: number;
  /** pool.niceIncrement: nice steps this worker adds to its own priority when it starts. */
  niceIncrement: number;
  /** Whether this worker says why when it cannot apply niceIncrement: the pool's very first worker only,
   * so a pool warns once, not again each time that worker is replaced. */
  reportNice: boolean;
}

// ---- claims: taking back a job that waits at a busy worker -----------------------------------------
//
// A job sent ahead to a busy worker (lookahead) carries a claim: a cell of a shared Int32Array and the
// token main wrote there. Whoever swaps the token first with Atomics.compareExchange owns the job: the
// worker, to start it (token → token|CLAIM_STARTED), or main, to take it back for a worker that became
// free (token → token|CLAIM_REVOKED). Exactly one of them wins, with no message and no lock. Tokens carry
// a generation in their upper bits, so a stale message can never claim a reused cell.

/** Low bits of a claim cell: its state. The token itself has them clear. */
export const CLAIM_STARTED = 1;
export const CLAIM_REVOKED = 2;
/** Generations advance by this step, leaving the two state bits free. */
export const CLAIM_GENERATION_STEP = 4;

export interface Claim {
  cell: number;
  token: number;
}

/** The handler's `info` (ServeInfo), as plain data. */
export interface JobInfo {
  remoteAddr: { transport: "tcp"; hostname: string; port: number };
}

export type HeaderPairs = [string, string][];

// ---- main → worker ---------------------------------------------------------------------------------

export interface JobMessage {
  v: number;
  t: "job";
  id: number;
  method: string;
  url: string;
  headers: HeaderPairs;
  info: JobInfo;
  /** True when req-chunk/req-end messages follow; false for a request without a body. */
  body: boolean;
  /** Present when the job was sent ahead to a busy worker: start it only if the claim is won. */
  claim?: Claim;
}
export interface ReqChunkMessage { v: number; t: "req-chunk"; id: number; chunk: ArrayBuffer }
export interface ReqEndMessage { v: number; t: "req-end"; id: number }
/** The request body failed on main (client went away mid-body): the handler's body stream errors. */
export interface ReqAbortMessage { v: number; t: "req-abort"; id: number }
export interface ResCreditMessage { v: number; t: "res-credit"; id: number; n: number }
export interface CancelMessage { v: number; t: "cancel"; id: number }
/** Finish what is running, then exit (the seed's Terminate message). */
export interface ShutdownMessage { v: number; t: "shutdown" }
/** Are you alive? Sent when a worker with a response in flight has been silent for taskTimeout: a
 * thread stuck in synchronous code cannot answer, an idle or waiting one answers at once. */
export interface PingMessage { v: number; t: "ping" }

export type ToWorker =
  | JobMessage
  | ReqChunkMessage
  | ReqEndMessage
  | ReqAbortMessage
  | ResCreditMessage
  | CancelMessage
  | ShutdownMessage
  | PingMessage;

// ---- worker → main ---------------------------------------------------------------------------------

/** The app module is imported and the worker takes jobs. */
export interface ReadyMessage { v: number; t: "ready"; workerId: number }
/** The app module could not be imported (or has no `fetch`): the worker exits after this. */
export interface InitErrorMessage { v: number; t: "init-error"; message: string }
export interface HeadMessage {
  v: number;
  t: "head";
  id: number;
  status: number;
  statusText: string;
  /** Field lines, flat: [name, value, name, value, …] (names lowercase, checked by the worker's Response). */
  fields: string[];
  /** False when the response has no body: no res-chunk follows, res-end does. */
  body: boolean;
  /** The whole body, when it was in memory and at most INLINE_BODY_MAX_BYTES: nothing follows. A string
   * body crosses as the string: the response writer encodes it straight into its output buffer, as it
   * does inline, instead of the worker encoding it and main copying it. */
  bytes?: ArrayBuffer | string;
}
export interface ResChunkMessage { v: number; t: "res-chunk"; id: number; chunk: ArrayBuffer }
export interface ResEndMessage { v: number; t: "res-end"; id: number }
export interface ReqCreditMessage { v: number; t: "req-credit"; id: number; n: number }
/** The handler threw or its body stream failed. `message` is for the operator's log, never the client. */
export interface JobErrorMessage { v: number; t: "error"; id: number; message: string }
/** Sent after "shutdown" once nothing is running, just before the worker ends itself. */
export interface ExitedMessage { v: number; t: "exited"; workerId: number }
export interface PongMessage { v: number; t: "pong" }

export type FromWorker =
  | ReadyMessage
  | InitErrorMessage
  | HeadMessage
  | ResChunkMessage
  | ResEndMessage
  | ReqCreditMessage
  | JobErrorMessage
  | ExitedMessage
  | PongMessage;

/** True when `message` is a pool message of this protocol version (anything else is ignored); a packed
 * message (see `pack`) is unpacked by `unpack` first. */
export function isCurrent(message: unknown): message is { v: number; t: string } {
  return typeof message === "object" && message !== null && (message as { v?: unknown }).v === PROTOCOL_VERSION &&
    typeof (message as { t?: unknown }).t === "string";
}

// ---- packing: the two messages of every job, as flat arrays ----------------------------------------
//
// Structured clone costs per object and per property, and it is most of what a message costs: measured
// here, a job message as nested objects cost 5-17 µs of CPU per message (Node, Deno, Bun), the same data
// as one flat array about half. So "job" and "head" cross as flat arrays:
//   job:  [v, "job", id, method, url, fieldCount, name, value, …, hostname, port, body, claimCell, claimToken]
//   head: [v, "head", id, status, statusText, fieldCount, name, value, …, body, bytes]  (fields already flat)
// (claimCell -1: no claim; bytes undefined: none). Everything else crosses as the objects above.

type Packed = (string | number | boolean | ArrayBuffer | undefined)[];

function packFlat(out: Packed, fields: readonly string[]): void {
  out.push(fields.length / 2);
  for (let i = 0; i < fields.length; i++) out.push(fields[i]);
}

function packFields(out: Packed, fields: HeaderPairs): void {
  out.push(fields.length);
  for (const [name, value] of fields) out.push(name, value);
}

function unpackFields(packed: Packed, at: number): [HeaderPairs, number] {
  const count = packed[at] as number;
  const fields: HeaderPairs = new Array(count);
  let i = at + 1;
  for (let k = 0; k < count; k++, i += 2) fields[k] = [packed[i] as string, packed[i + 1] as string];
  return [fields, i];
}

/** The wire form of a message: job and head packed, the others as they are. */
export function pack(message: ToWorker | FromWorker): unknown {
  if (message.t === "job") {
    const out: Packed = [message.v, "job", message.id, message.method, message.url];
    packFields(out, message.headers);
    const claim = message.claim;
    out.push(message.info.remoteAddr.hostname, message.info.remoteAddr.port, message.body, claim ? claim.cell : -1, claim ? claim.token : 0);
    return out;
  }
  if (message.t === "head") {
    const out: Packed = [message.v, "head", message.id, message.status, message.statusText];
    packFlat(out, message.fields);
    out.push(message.body, message.bytes);
    return out;
  }
  return message;
}

/** A received message in its object form (the inverse of `pack`; anything else is returned as is). */
export function unpack(raw: unknown): unknown {
  if (!Array.isArray(raw)) return raw;
  const packed = raw as Packed;
  if (packed[0] !== PROTOCOL_VERSION) return null;
  const id = packed[2] as number;
  if (packed[1] === "job") {
    const [headers, i] = unpackFields(packed, 5);
    const message: JobMessage = {
      v: PROTOCOL_VERSION,
      t: "job",
      id,
      method: packed[3] as string,
      url: packed[4] as string,
      headers,
      info: { remoteAddr: { transport: "tcp", hostname: packed[i] as string, port: packed[i + 1] as number } },
      body: packed[i + 2] as boolean,
    };
    if ((packed[i + 3] as number) >= 0) message.claim = { cell: packed[i + 3] as number, token: packed[i + 4] as number };
    return message;
  }
  if (packed[1] === "head") {
    const i = 6 + 2 * (packed[5] as number);
    const fields = packed.slice(6, i) as string[];
    const message: HeadMessage = { v: PROTOCOL_VERSION, t: "head", id, status: packed[3] as number, statusText: packed[4] as string, fields, body: packed[i] as boolean };
    if (packed[i + 1] !== undefined) message.bytes = packed[i + 1] as ArrayBuffer | string;
    return message;
  }
  return null;
}

// ---- batches: one message per turn, not per job -------------------------------------------------------
//
// Most of what a crossing costs is not the copy but the wake-up: each postMessage to a thread that is
// asleep makes the kernel wake it (on this 2-core VM, 10-15 µs of the sender's CPU, measured with
// per-thread /proc times under wrk). So each side queues what it posts during one turn of its event loop
// and sends it as one message when the turn's I/O callbacks are done: the jobs parsed from every socket
// that was readable in that turn cross together, and so do the responses of the jobs a worker ran.
//   batch: [v, "batch", message, message, …]   (each message in its wire form; one alone crosses as is)

/** Runs `task` once the current turn's I/O callbacks are done (setImmediate on Node, Deno and Bun; a
 * zero timeout where there is none). */
export const afterTurn: (task: () => void) => void = typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
  ? (globalThis as unknown as { setImmediate(task: () => void): void }).setImmediate
  : (task) => setTimeout(task, 0);

/** Queues one side's messages for the rest of the turn and posts them as one batch. */
export class Batcher {
  #items: unknown[] = [];
  #transfer: ArrayBuffer[] = [];
  #scheduled = false;
  readonly #send: (message: unknown, transfer: ArrayBuffer[]) => void;
  readonly #flush = () => this.flush();

  constructor(send: (message: unknown, transfer: ArrayBuffer[]) => void) {
    this.#send = send;
  }

  add(message: ToWorker | FromWorker, transfer?: ArrayBuffer[]): void {
    this.#items.push(pack(message));
    if (transfer) for (const buffer of transfer) this.#transfer.push(buffer);
    if (!this.#scheduled) {
      this.#scheduled = true;
      afterTurn(this.#flush);
    }
  }

  /** Posts what is queued now (before an exit, say). */
  flush(): void {
    this.#scheduled = false;
    const items = this.#items;
    if (items.length === 0) return;
    const transfer = this.#transfer;
    this.#items = [];
    this.#transfer = [];
    this.#send(items.length === 1 ? items[0] : [PROTOCOL_VERSION, "batch", ...items], transfer);
  }
}

/** Calls `each` with every message of what arrived (a batch or one message), in object form. */
export function forEachMessage(raw: unknown, each: (message: unknown) => void): void {
  if (Array.isArray(raw) && raw[1] === "batch" && raw[0] === PROTOCOL_VERSION) {
    for (let i = 2; i < raw.length; i++) each(unpack(raw[i]));
    return;
  }
  each(unpack(raw));
}

/** An ArrayBuffer holding exactly `chunk`'s bytes that the caller may transfer. When the view covers
 * its whole buffer that buffer is moved as is (no copy; the view is detached afterwards); when it is a
 * window into a larger buffer (a parser's read buffer, say) only its bytes are copied out, so the rest
 * of that buffer is never detached under its owner. */
export function transferable(chunk: Uint8Array): ArrayBuffer {
  const buffer = chunk.buffer;
  if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) return buffer;
  // `new Uint8Array(view)` always copies; `view.slice()` would not on a Node Buffer (Buffer#slice shares
  // memory), and transferring that would detach the runtime's shared buffer pool.
  return new Uint8Array(chunk).buffer as ArrayBuffer;
}
