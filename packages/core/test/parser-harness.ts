// Shared by the parser tests: feed bytes in a given split, record what the parser reports in a form
// that does not depend on the split (body pieces of one message are joined).

import assert from "node:assert/strict";
import { createParser } from "../src/parser.ts";
import type { ParserOptions, RequestHead } from "../src/parser.ts";
import type { Fields } from "../src/fields.ts";

export interface HeadSummary {
  method: string;
  target: string;
  targetForm: RequestHead["targetForm"];
  versionMinor: 0 | 1;
  fields: [string, string][];
  keepAlive: boolean;
  expectContinue: boolean;
  upgrade: string | null;
  bodyKind: RequestHead["bodyKind"];
  contentLength: number;
  headBytes: number;
}

export interface Message {
  head: HeadSummary;
  /** Body bytes joined, as latin1 text. */
  body: string;
  trailers: [string, string][] | null;
  ended: boolean;
}

export interface Outcome {
  messages: Message[];
  error: { kind: string; status: number } | null;
}

/** latin1 text → bytes (each char code is one byte), so rows can hold any byte. */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function text(view: Uint8Array): string {
  let s = "";
  for (let i = 0; i < view.length; i++) s += String.fromCharCode(view[i]!);
  return s;
}

const pairs = (fields: Fields): [string, string][] => [...fields];

export function summarize(head: RequestHead): HeadSummary {
  return {
    method: head.method,
    target: head.target,
    targetForm: head.targetForm,
    versionMinor: head.versionMinor,
    fields: pairs(head.fields),
    keepAlive: head.keepAlive,
    expectContinue: head.expectContinue,
    upgrade: head.upgrade,
    bodyKind: head.bodyKind,
    contentLength: head.contentLength,
    headBytes: head.headBytes,
  };
}

/** Bound on parser events per fed byte (and per chunk) in `run`: head, body piece, end. */
const EVENTS_PER_BYTE = 3;
/** Events finish() may add on its own (an error). */
const EVENTS_AT_FINISH = 1;

/** Feed `chunks` in order, then finish(). Checks the protocol on the way: events in order, feed()
 * consuming everything (nobody pauses here), no event after an error. */
export function run(chunks: Uint8Array[], options?: ParserOptions): Outcome {
  const out: Outcome = { messages: [], error: null };
  let current: Message | null = null;
  // Issue 2: the parser must never loop. A loop that keeps firing callbacks is stopped here: the throw
  // propagates out of feed() and fails the test instead of hanging it. Every onHead and onBody consumes
  // bytes of its own and every onEnd closes a message that did, so an honest parser stays far below a
  // few events per byte and per chunk.
  const totalBytes = chunks.reduce((n, c) => n + c.length, 0);
  const maxEvents = EVENTS_PER_BYTE * (totalBytes + chunks.length) + EVENTS_AT_FINISH;
  let events = 0;
  const count = (): void => {
    if (++events > maxEvents) throw new Error(`parser looped: over ${maxEvents} events for ${totalBytes} bytes`);
  };
  const parser = createParser(
    {
      onHead(head) {
        count();
        assert.equal(out.error, null, "onHead after onError");
        assert.ok(current === null || current.ended, "onHead before the previous onEnd");
        current = { head: summarize(head), body: "", trailers: null, ended: false };
        out.messages.push(current);
      },
      onBody(chunk) {
        count();
        assert.ok(current !== null && !current.ended, "onBody outside a message");
        assert.ok(chunk.length > 0, "empty onBody");
        current.body += text(chunk);
      },
      onEnd(trailers) {
        count();
        assert.ok(current !== null && !current.ended, "onEnd outside a message");
        current.ended = true;
        current.trailers = trailers === null ? null : pairs(trailers);
      },
      onError(error) {
        assert.equal(out.error, null, "onError twice");
        out.error = { kind: error.kind, status: error.status };
      },
    },
    options,
  );
  for (const chunk of chunks) {
    const consumed = parser.feed(chunk);
    assert.equal(consumed, chunk.length, "feed() consumed less without a pause");
  }
  parser.finish();
  assert.equal(parser.failed, out.error !== null);
  return out;
}

export const oneChunk = (raw: Uint8Array): Uint8Array[] => [raw];
export const byteByByte = (raw: Uint8Array): Uint8Array[] => Array.from(raw, (b) => Uint8Array.of(b));

/** Split `raw` at the given offsets (sorted, deduplicated, within bounds). */
export function splitAt(raw: Uint8Array, offsets: number[]): Uint8Array[] {
  const cuts = [...new Set(offsets.map((o) => Math.max(0, Math.min(raw.length, o))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const cut of cuts) {
    out.push(raw.subarray(last, cut));
    last = cut;
  }
  out.push(raw.subarray(last));
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Table rows

export interface ValidRow {
  name: string;
  raw: string;
  options?: ParserOptions;
  expect: {
    head?: Partial<HeadSummary>;
    /** Joined body, default "". */
    body?: string;
    trailers?: [string, string][] | null;
    /** Number of messages the raw bytes hold, default 1 (checks apply to the first). */
    messages?: number;
  };
}

export interface RejectRow {
  name: string;
  raw: string;
  options?: ParserOptions;
  expect: { kind: string; status: number; /** messages completed before the error, default 0 */ before?: number };
}

/** Requests wrapped around each row to check it also parses inside a pipelined batch. */
const PRE = "GET /pre HTTP/1.1\r\nHost: p\r\n\r\n";
const POST = "PUT /post HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

/** A valid row: one chunk, one byte at a time, and pipelined between two other requests must all
 * give the expected events. */
export function checkValid(row: ValidRow): void {
  const raw = bytes(row.raw);
  const whole = run(oneChunk(raw), row.options);
  assert.equal(whole.error, null, `${row.name}: unexpected ${whole.error?.kind}`);
  assert.equal(whole.messages.length, row.expect.messages ?? 1, `${row.name}: message count`);
  const first = whole.messages[0]!;
  assert.ok(first.ended, `${row.name}: not ended`);
  for (const [key, value] of Object.entries(row.expect.head ?? {})) {
    assert.deepEqual(first.head[key as keyof HeadSummary], value, `${row.name}: head.${key}`);
  }
  assert.equal(first.body, row.expect.body ?? "", `${row.name}: body`);
  assert.deepEqual(first.trailers, row.expect.trailers ?? null, `${row.name}: trailers`);

  assert.deepEqual(run(byteByByte(raw), row.options), whole, `${row.name}: byte by byte`);

  const batch = run(oneChunk(bytes(PRE + row.raw + POST)), row.options);
  const pre = run(oneChunk(bytes(PRE)), row.options).messages;
  const post = run(oneChunk(bytes(POST)), row.options).messages;
  assert.deepEqual(batch, { messages: [...pre, ...whole.messages, ...post], error: null }, `${row.name}: pipelined`);
}

/** A rejected row: the expected kind and status, the same outcome one byte at a time, and the same
 * error after a valid request in the same chunk. */
export function checkReject(row: RejectRow): void {
  const raw = bytes(row.raw);
  const whole = run(oneChunk(raw), row.options);
  assert.deepEqual(whole.error, { kind: row.expect.kind, status: row.expect.status }, row.name);
  assert.equal(whole.messages.filter((m) => m.ended).length, row.expect.before ?? 0, `${row.name}: messages before`);
  assert.deepEqual(run(byteByByte(raw), row.options), whole, `${row.name}: byte by byte`);
  const pre = run(oneChunk(bytes(PRE)), row.options).messages;
  const batch = run(oneChunk(bytes(PRE + row.raw)), row.options);
  assert.deepEqual(batch, { messages: [...pre, ...whole.messages], error: whole.error }, `${row.name}: pipelined`);
}
