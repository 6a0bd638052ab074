// Deciding how a handler's Response body goes on the wire: as one known-length buffer, or streamed.
//
// A web Response does not say whether its body was made from a string/bytes (length known) or is a live
// stream, and its Content-Length header is not trusted (response.ts). So weft reads: it pulls chunks as
// long as each read settles within a few microtasks (a body built from a string, bytes or a Blob is
// already there: measured 1–5 microtasks on Node, Deno and Bun). If the stream ends within that budget
// and under `highWaterMark` bytes, the body is complete and goes out with Content-Length in one write
// (serializeFullResponse). Otherwise it is a live stream: what was read is kept and the rest is streamed
// chunked (RFC 9112 §7.1) as it is produced. No timer is involved and no byte is held back waiting: a read
// that does not settle within the budget simply becomes the first read of the streaming path.

/** Microtask turns one read may take and still count as "already there". Measured: string/Uint8Array
 * bodies settle in 1–2 turns on all three runtimes, Blob bodies in up to 5 on Deno (measured). */
export const READY_READ_TICKS = 8;

/** A pending `reader.read()` (spelled this way so it matches every runtime's stream typings). */
export type PendingRead = ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>;

export type CollectedBody =
  /** The whole body is here (null: empty). */
  | { complete: true; body: Uint8Array | null }
  /** A live stream: `chunks` already read, `pending` the read in flight (or null), then `reader`. */
  | { complete: false; chunks: Uint8Array[]; pending: PendingRead | null; reader: ReadableStreamDefaultReader<Uint8Array> };

interface Watched<T> {
  settled: boolean;
  value: T | undefined;
  error: unknown;
  failed: boolean;
}

/** Wait up to `ticks` microtask turns for `promise`; report what it did by then. */
async function within<T>(promise: Promise<T>, ticks: number): Promise<Watched<T>> {
  const state: Watched<T> = { settled: false, value: undefined, error: undefined, failed: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.failed = true;
      state.error = error;
    },
  );
  for (let i = 0; i < ticks && !state.settled; i++) await null;
  return state;
}

/** Read what is already there of `body`, up to `maxBytes` (the connection's highWaterMark). Rejects if
 * the stream errors while being read here. */
export async function collectBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<CollectedBody> {
  if (body === null) return { complete: true, body: null };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const read = reader.read();
    const seen = await within(read, READY_READ_TICKS);
    if (!seen.settled) return { complete: false, chunks, pending: read, reader };
    if (seen.failed) throw seen.error;
    const result = seen.value!;
    if (result.done) break;
    const chunk = result.value;
    if (!(chunk instanceof Uint8Array)) throw new TypeError("weft: a response body chunk must be a Uint8Array");
    if (chunk.byteLength === 0) continue;
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total > maxBytes) return { complete: false, chunks, pending: null, reader };
  }
  // The reader is not released: the stream is finished and nobody else may read it (releaseLock was a
  // fifth of the per-request cost on Deno).
  return { complete: true, body: concat(chunks, total) };
}

/** One buffer from several (no copy for zero or one). */
export function concat(chunks: Uint8Array[], total: number): Uint8Array | null {
  if (chunks.length === 0) return null;
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
