// The worker side of the pool (issue 4): runs inside each worker thread. The adapter's worker entry
// builds a `WorkerSidePort` for its runtime, imports this module (its URL is in the start-up data) and
// calls `runWorker(port)`.
//
// Life of a job on a worker: "job" arrives → a Request is built whose body is fed by req-chunk messages
// → the app's `fetch(request, info)` runs → its Response head goes back as "head" → its body goes back as
// res-chunk messages, as fast as main returns credit → "res-end". A throw or rejection becomes "error"
// (main answers 500) and this worker keeps serving: only a dead or stuck thread is replaced.

import type { NiceValue, WorkerSidePort } from "../ports.ts";
import type { AppModule, FetchHandler, ServeInfo } from "../types.ts";
import { Inbox, Outbox } from "./flow.ts";
import { tryStart } from "./claims.ts";
import { IdTable } from "./id-table.ts";
import { Ring } from "./ring.ts";
import { WeftRequest } from "../request.ts";
import { installWeftResponse, simpleParts } from "../weft-response.ts";
import {
  Batcher,
  forEachMessage,
  type FromWorker,
  IN_MEMORY_TICKS,
  INLINE_BODY_MAX_BYTES,
  isCurrent,
  type JobMessage,
  PROTOCOL_VERSION,
  type ToWorker,
  transferable,
  type WorkerStartData,
} from "./protocol.ts";

const v = PROTOCOL_VERSION;

/** What a worker keeps for one running job. */
interface RunningJob {
  readonly id: number;
  /** Feeds the handler's request body; absent for a request without a body. */
  inbox?: Inbox;
  /** Drains the handler's response body; set just before "head" is posted (credit may follow at once). */
  outbox?: Outbox;
}

/** Resolves the app's handler from its module: `export default { fetch }` (also a bare `export function
 * fetch` for convenience). */
function handlerOf(mod: unknown): FetchHandler | null {
  const m = mod as { default?: Partial<AppModule>; fetch?: unknown };
  if (typeof m?.default?.fetch === "function") return m.default.fetch.bind(m.default) as FetchHandler;
  if (typeof m?.fetch === "function") return m.fetch as FetchHandler;
  return null;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** What `readEarly` found: the chunks read so far, whether that was the whole body, and a read still
 * in flight (to be continued by the Outbox) when the body was not all in memory. */
interface EarlyBody {
  chunks: Uint8Array[];
  done: boolean;
  pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | null;
}

const LATER = Symbol("later");

async function afterTicks(): Promise<typeof LATER> {
  for (let i = 0; i < IN_MEMORY_TICKS; i++) await undefined;
  return LATER;
}

/** Reads what the body has in memory right now, up to `maxChunks` chunks and INLINE_BODY_MAX_BYTES:
 * a small body that is complete goes back inside "head" (one message instead of three or more). A read
 * that does not settle within IN_MEMORY_TICKS is left pending, so a slow stream's head is not held up. */
async function readEarly(reader: ReadableStreamDefaultReader<Uint8Array>, maxChunks: number): Promise<EarlyBody> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  while (chunks.length < maxChunks && bytes <= INLINE_BODY_MAX_BYTES) {
    const read = reader.read();
    const result = await Promise.race([read, afterTicks()]);
    if (result === LATER) return { chunks, done: false, pending: read };
    if (result.done) return { chunks, done: bytes <= INLINE_BODY_MAX_BYTES, pending: null };
    if (result.value.byteLength === 0) continue;
    chunks.push(result.value);
    bytes += result.value.byteLength;
  }
  return { chunks, done: false, pending: null };
}

/** A Headers' fields, flat [name, value, …], for the "head" message. Headers.forEach joins Set-Cookie
 * values with ", ", which breaks cookies: they are sent one by one. */
function headerFields(source: Headers): string[] {
  const fields: string[] = [];
  const cookies = typeof source.getSetCookie === "function" ? source.getSetCookie() : [];
  source.forEach((value, name) => {
    if (name !== "set-cookie" || cookies.length <= 1) fields.push(name, value);
  });
  if (cookies.length > 1) for (const cookie of cookies) fields.push("set-cookie", cookie);
  return fields;
}

/** One transferable buffer holding all of `chunks`. */
function concat(chunks: Uint8Array[]): ArrayBuffer {
  if (chunks.length === 1) return transferable(chunks[0]!);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

/** The highest nice value (the lowest priority). */
const LOWEST_PRIORITY = 19;

/** pool.niceIncrement: this worker goes that many nice steps below the thread that started it (whose
 * value it inherited). Refused (a permission): it keeps that priority, and says why if it is the one
 * worker of the pool that reports (WorkerStartData.reportNice). */
function lowerPriority(nice: NiceValue | undefined, increment: number, report: boolean): void {
  if (!(increment > 0) || nice === undefined) return;
  try {
    nice.set(Math.min(LOWEST_PRIORITY, nice.get() + increment));
  } catch (error) {
    if (report) console.warn(`weft: pool.niceIncrement not applied, workers run at main's priority: ${describe(error)}`);
  }
}

export async function runWorker(port: WorkerSidePort): Promise<void> {
  const data = port.data as WorkerStartData;
  // What this worker posts in one turn crosses as one batch, up to the start of the next handler (run).
  const outbox = new Batcher((message, transfer) => port.post(message, transfer));
  const post = (message: FromWorker, transfer?: ArrayBuffer[]) => outbox.add(message, transfer);
  /** The last message before this worker ends itself: it and everything queued go now. */
  const postLast = (message: FromWorker, code: number) => {
    outbox.add(message);
    outbox.flush();
    port.exit(code);
  };
  if (data?.v !== PROTOCOL_VERSION) {
    postLast({ v, t: "init-error", message: `weft: pool protocol mismatch (worker ${PROTOCOL_VERSION}, main ${data?.v})` }, 1);
    return;
  }

  lowerPriority(port.nice, data.niceIncrement, data.reportNice);

  let fetchHandler: FetchHandler | null;
  try {
    fetchHandler = handlerOf(await import(data.module));
  } catch (error) {
    postLast({ v, t: "init-error", message: `weft: cannot import app module ${data.module}: ${describe(error)}` }, 1);
    return;
  }
  if (!fetchHandler) {
    postLast({ v, t: "init-error", message: `weft: app module ${data.module} has no default export { fetch }` }, 1);
    return;
  }
  const handler = fetchHandler;
  // Handlers' `new Response(text)` is then written without a stream (weft-response.ts), here as on main.
  installWeftResponse();

  const jobs = new IdTable<RunningJob>();
  /** Jobs sent ahead (lookahead) while `concurrency` jobs run here: started in order as slots free up,
   * each only if its claim is still ours (main may have taken it back for a free worker). */
  const waiting: JobMessage[] = [];
  const claims = data.claims ? new Int32Array(data.claims) : null;
  // Jobs may come through the ring from main, and complete heads go back through the other (ring.ts).
  const jobRing = data.rings ? new Ring(data.rings.toWorker) : null;
  const headRing = data.rings ? new Ring(data.rings.toMain) : null;
  // Synchronous handlers have answered by the end of a drain: main hears of their heads then, with one
  // wake-up, not a turn later.
  const readJobs = () => headRing?.batch(() => jobRing!.drain(admit, null));
  let shuttingDown = false;

  const exitIfDone = () => {
    if (!shuttingDown || jobs.size > 0 || waiting.length > 0) return;
    postLast({ v, t: "exited", workerId: data.workerId }, 0);
  };

  const finish = (id: number) => {
    jobs.delete(id);
    while (waiting.length > 0 && jobs.size < data.concurrency) start(waiting.shift()!);
    exitIfDone();
  };

  /** Runs a job now unless main took it back (its claim was revoked). */
  function start(message: JobMessage): void {
    const claim = message.claim;
    if (claim && claims && !tryStart(claims, claim)) return;
    void run(message);
  }

  function admit(message: JobMessage): void {
    // A job with a body always starts at once: main sends one only to a free slot (never ahead), so a job
    // found running here came through the ring ahead of it (the ring and messages are two channels, and
    // either may be read first). Held back, it would have no inbox yet for the body chunks that follow.
    if (jobs.size < data.concurrency || message.body) start(message);
    else waiting.push(message);
  }

  async function run(message: JobMessage): Promise<void> {
    // A handler may block this thread for as long as it likes: what earlier jobs answered goes out first,
    // not after it.
    outbox.flush();
    headRing?.wake();
    const { id } = message;
    const job: RunningJob = { id };
    jobs.add(job);
    let body: ReadableStream<Uint8Array> | null = null;
    if (message.body) {
      job.inbox = new Inbox(
        data.window,
        (n) => post({ v, t: "req-credit", id, n }),
        () => {}, // the handler stopped reading: main's remaining chunks are simply dropped on arrival
      );
      body = job.inbox.stream;
    }
    let response: Response;
    try {
      // The same lazy Request handlers get inline (request.ts); main has checked its URL.
      const request = new WeftRequest(message.method, message.url, message.headers, body) as unknown as Request;
      const result = handler(request, message.info as ServeInfo);
      response = result instanceof Response ? result : await result;
      if (!(response instanceof Response)) throw new TypeError("handler did not return a Response");
    } catch (error) {
      post({ v, t: "error", id, message: describe(error) });
      finish(id);
      return;
    }
    const simple = simpleParts(response);
    if (simple !== null && (simple.body === null || simple.body.length <= INLINE_BODY_MAX_BYTES)) {
      // A simple response (weft-response.ts): its fields and body as given, in the one "head" message.
      const fields = simple.headers !== null ? headerFields(simple.headers) : simple.fields as string[];
      const head = { v, t: "head", id, status: response.status, statusText: response.statusText, fields } as const;
      if (headRing?.writeHead(id, response.status, response.statusText, fields, simple.body)) {
        finish(id);
        return;
      }
      if (simple.body === null) {
        post({ ...head, body: false });
        post({ v, t: "res-end", id });
      } else if (typeof simple.body === "string") {
        post({ ...head, body: true, bytes: simple.body });
      } else {
        const bytes = transferable(simple.body);
        post({ ...head, body: true, bytes }, [bytes]);
      }
      finish(id);
      return;
    }
    const fields = headerFields(response.headers);
    const head = { v, t: "head", id, status: response.status, statusText: response.statusText, fields } as const;
    if (response.body === null) {
      post({ ...head, body: false });
      post({ v, t: "res-end", id });
      finish(id);
      return;
    }
    const reader = response.body.getReader();
    let early: EarlyBody;
    try {
      early = await readEarly(reader, data.window);
    } catch (error) {
      post({ v, t: "error", id, message: describe(error) });
      finish(id);
      return;
    }
    if (early.done) {
      const bytes = concat(early.chunks);
      post({ ...head, body: true, bytes }, [bytes]);
      finish(id);
      return;
    }
    job.outbox = new Outbox(reader, data.window - early.chunks.length, early.pending);
    post({ ...head, body: true });
    for (const chunk of early.chunks) {
      const buffer = transferable(chunk);
      post({ v, t: "res-chunk", id, chunk: buffer }, [buffer]);
    }
    try {
      await job.outbox.pump(
        (chunk) => {
          const buffer = transferable(chunk);
          post({ v, t: "res-chunk", id, chunk: buffer }, [buffer]);
        },
        () => post({ v, t: "res-end", id }),
      ).then((ended) => {
        // Cancelled by main's consumer: still say the job is over, so main frees this worker's slot.
        if (!ended) post({ v, t: "res-end", id });
      });
    } catch (error) {
      post({ v, t: "error", id, message: describe(error) });
    }
    finish(id);
  }

  port.onMessage((raw) => {
    readJobs(); // jobs written to the ring before this message was posted come first
    forEachMessage(raw, receive);
  });

  function receive(unpacked: unknown): void {
    if (!isCurrent(unpacked)) return;
    const message = unpacked as ToWorker;
    switch (message.t) {
      case "job":
        admit(message);
        return;
      case "req-chunk":
        jobs.get(message.id)?.inbox?.push(message.chunk);
        return;
      case "req-end":
        jobs.get(message.id)?.inbox?.end();
        return;
      case "req-abort":
        jobs.get(message.id)?.inbox?.fail(new Error("weft: request body aborted by the client"));
        return;
      case "res-credit":
        jobs.get(message.id)?.outbox?.grant(message.n);
        return;
      case "cancel":
        jobs.get(message.id)?.outbox?.cancel();
        return;
      case "ping":
        post({ v, t: "pong" });
        return;
      case "shutdown":
        shuttingDown = true;
        exitIfDone();
        return;
    }
  }
  post({ v, t: "ready", workerId: data.workerId });
  // A worker with nothing running may hold its thread for the next job (pool.idleHold, Ring.listen); what
  // its finished jobs posted goes first, not after the hold.
  const readyToHold = (): boolean => {
    if (jobs.size > 0 || waiting.length > 0 || shuttingDown) return false;
    outbox.flush();
    return true;
  };
  jobRing?.listen(readJobs, { holdMs: data.idleHold, mayHold: readyToHold });
}
