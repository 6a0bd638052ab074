// Small builders and assertions shared by the case tables: requests are written as exact bytes
// (strings are latin1, one char per byte), responses are checked field by field.

import * as assert from "node:assert/strict";
import type { ParsedResponse, RawConnection } from "../client.ts";
import { HOME_HTML } from "../fixture/app.ts";
import type { Case, CaseContext } from "./types.ts";

export const CRLF = "\r\n";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The X-Seq value /headers echoed back (pipelining and concurrency cases number their requests). */
export const seqOf = (response: { text(): string }): string => (JSON.parse(response.text()) as { xSeq: string }).xSeq;
/** Host value used by every well-formed request. */
export const HOST = "conformance.test";

/** A request head from its lines: each line gets CRLF, then the empty line. */
export const head = (...lines: string[]): string => lines.map((line) => line + CRLF).join("") + CRLF;

/** `GET path HTTP/1.1` with Host and any extra field lines. */
export const get = (path: string, ...fields: string[]): string => head(`GET ${path} HTTP/1.1`, `Host: ${HOST}`, ...fields);

/** A request with a Content-Length body. */
export const withBody = (method: string, path: string, body: string, ...fields: string[]): string =>
  head(`${method} ${path} HTTP/1.1`, `Host: ${HOST}`, `Content-Length: ${body.length}`, ...fields) + body;

/** A chunked request; `body` is the raw chunked encoding (sizes, data, last chunk, trailers). */
export const chunkedRequest = (path: string, body: string, ...fields: string[]): string =>
  head(`POST ${path} HTTP/1.1`, `Host: ${HOST}`, "Transfer-Encoding: chunked", ...fields) + body;

/** Encode data as chunks of at most `size` bytes, with the last chunk and an empty trailer section. */
export function chunk(data: string, size = data.length || 1): string {
  let out = "";
  for (let at = 0; at < data.length; at += size) {
    const piece = data.slice(at, at + size);
    out += piece.length.toString(16) + CRLF + piece + CRLF;
  }
  return out + "0" + CRLF + CRLF;
}

/** Deterministic printable filler of `n` bytes (position-dependent, so truncation or reordering shows). */
export function filler(n: number, seed = 0): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[(i * 7 + seed + (i >> 6)) % alphabet.length];
  return out;
}

export interface Expect {
  status: number;
  /** Exact header values; `null` means the header must be absent; a RegExp must match the value, or
   * the text "<absent>" when the field is missing. */
  headers?: Record<string, string | RegExp | null>;
  /** Exact body (string compared as latin1 bytes) or a pattern. */
  body?: string | Uint8Array | RegExp;
}

export function check(response: ParsedResponse, expect: Expect, label = ""): void {
  const at = label ? ` (${label})` : "";
  assert.equal(response.status, expect.status, `status${at}: got ${response.status} ${response.reason}, body ${JSON.stringify(response.text().slice(0, 120))}`);
  for (const [name, want] of Object.entries(expect.headers ?? {})) {
    const got = response.header(name);
    if (want === null) assert.equal(got, undefined, `${name} must be absent${at}`);
    else if (want instanceof RegExp) assert.match(got ?? "<absent>", want, `${name}${at}`);
    else assert.equal(got, want, `${name}${at}`);
  }
  const body = expect.body;
  if (body === undefined) return;
  if (body instanceof RegExp) assert.match(response.text(), body, `body${at}`);
  else if (typeof body === "string") assert.equal(response.text(), body, `body${at}`);
  else assert.ok(Buffer.from(body).equals(response.body), `body bytes${at}: got ${response.body.length} bytes, want ${body.length}`);
}

/** The server must end the connection (FIN or reset) with nothing more to say. */
export async function expectClosed(conn: RawConnection, label = "", timeoutMs = 3_000): Promise<void> {
  const how = await conn.waitClose(timeoutMs);
  assert.notEqual(how, "timeout", `connection must be closed${label ? ` (${label})` : ""}`);
  assert.equal(conn.pending.length, 0, `unexpected bytes after the last response: ${JSON.stringify(conn.pending.subarray(0, 80).toString("latin1"))}`);
}

/** The connection must still work: a GET / on it gets 200 with the home page. */
export async function expectUsable(conn: RawConnection, label = "follow-up GET / on the same connection"): Promise<void> {
  try {
    await conn.write(get("/"));
    check(await conn.read(), { status: 200, body: HOME_HTML }, label);
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface ExchangeOptions {
  head?: boolean;
  /** true: the server must close after the response. false: a follow-up GET / on the same connection
   * must get 200. undefined: not checked. */
  closed?: boolean;
  /** Write the request in pieces of this many bytes, 1 ms apart. */
  splitBy?: number;
  timeoutMs?: number;
}

/** Send `raw` on a fresh connection, read one response, check it and the connection's fate. */
export async function exchange(ctx: CaseContext, raw: string, expect: Expect, options: ExchangeOptions = {}): Promise<ParsedResponse> {
  const conn = await ctx.connect();
  if (options.splitBy) await conn.writeSlowly(raw, options.splitBy);
  else await conn.write(raw);
  const response = await conn.read({ head: options.head, timeoutMs: options.timeoutMs });
  check(response, expect);
  if (options.closed === true) await expectClosed(conn);
  if (options.closed === false) await expectUsable(conn);
  return response;
}

/** A row: `raw` gets exactly `expect`, and the connection's fate is checked. */
export const simple = (group: string, name: string, raw: string, expect: Expect, options: ExchangeOptions & Pick<Case, "gaps"> = {}): Case => ({
  group,
  name,
  gaps: options.gaps,
  run: async (ctx) => void (await exchange(ctx, raw, expect, options)),
});

/** Most writes a split request is sent in: keeps byte-at-a-time cases well inside headersTimeout. */
const MAX_SPLIT_WRITES = 60;
/** Piece size for writing `raw` in at most MAX_SPLIT_WRITES writes (1 = byte at a time). */
export const pieceSize = (raw: string): number => Math.max(1, Math.ceil(raw.length / MAX_SPLIT_WRITES));

/** A refused request: exactly `status`, `Connection: close`, then the server closes. The runner's
 * liveness check (a fresh connection gets 200) follows every case. The whole request is written at
 * once and, in a second connection, byte by byte: a parser must not decide differently on splits. */
export const rejects = (group: string, name: string, raw: string, status: number, gaps?: Case["gaps"]): Case => ({
  group,
  name,
  gaps,
  run: async (ctx) => {
    for (const splitBy of [0, pieceSize(raw)]) {
      try {
        await exchange(ctx, raw, { status, headers: { connection: /\bclose\b/i } }, { closed: true, splitBy, timeoutMs: 4_000 });
      } catch (error) {
        const how = splitBy === 0 ? "written whole" : `written in ${splitBy}-byte pieces`;
        throw new Error(`(${how}) ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  },
});
