// The same request must get byte-identical responses from weft on every runtime (issue 3): the core
// writes every byte, the adapters only move them. The Date value is the one field allowed to differ.

import { RawConnection } from "../client.ts";
import { chunk, chunkedRequest, CRLF, get, head, HOST, withBody } from "../cases/helpers.ts";
import type { WeftServerId } from "../servers.ts";
import type { IdenticalRow } from "./report.ts";

export interface Representative {
  name: string;
  raw: string;
  head?: boolean;
}

/** Representative requests: success, streaming, HEAD, errors from the handler, the router and the parser. */
export const REPRESENTATIVES: readonly Representative[] = [
  { name: "GET /", raw: get("/") },
  { name: "HEAD /", raw: head("HEAD / HTTP/1.1", `Host: ${HOST}`), head: true },
  { name: "GET / HTTP/1.0", raw: head("GET / HTTP/1.0") },
  { name: "GET / HTTP/1.0 keep-alive", raw: head("GET / HTTP/1.0", "Connection: keep-alive") },
  { name: "GET / Connection: close", raw: get("/", "Connection: close") },
  { name: "GET /stream (chunked)", raw: get("/stream") },
  { name: "GET /stream HTTP/1.0", raw: head("GET /stream HTTP/1.0") },
  { name: "GET /headers", raw: get("/headers?a=1", "X-Test: v") },
  { name: "POST /echo (length)", raw: withBody("POST", "/echo", "hello") },
  { name: "POST /echo (chunked)", raw: chunkedRequest("/echo", chunk("hello chunks", 5)) },
  { name: "GET /nope (404)", raw: get("/nope") },
  { name: "GET /post-only (405)", raw: get("/post-only") },
  { name: "GET /throw (500)", raw: get("/throw") },
  { name: "GET /status/204", raw: get("/status/204") },
  { name: "GET /status/304", raw: get("/status/304") },
  { name: "400 bad request", raw: head("GET / HTTP/1.1", "Host: a", "Bad Name: v") },
  { name: "400 missing Host", raw: head("GET / HTTP/1.1") },
  { name: "400 CL + TE", raw: head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Content-Length: 3", "Transfer-Encoding: chunked") + chunk("abc") },
  { name: "413", raw: head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Content-Length: 99999999") },
  { name: "414", raw: get("/" + "a".repeat(5000)) },
  { name: "431", raw: get("/", `X-Big: ${"b".repeat(8000)}`) },
  { name: "505", raw: head("GET / HTTP/2.0", `Host: ${HOST}`) },
  { name: "400 bad chunk size", raw: chunkedRequest("/len", `zz${CRLF}hello${CRLF}0${CRLF}${CRLF}`) },
  { name: "501 unknown transfer coding", raw: head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Transfer-Encoding: gzip, chunked") + chunk("abc") },
  { name: "501 CONNECT", raw: head("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443") },
  // An unfinished head: the fixture's headersTimeout answers 408 (about a second, all three at once).
  { name: "408 head timeout", raw: `GET / HTTP/1.1${CRLF}Host: ${HOST}${CRLF}` },
];

/** Prefix of the text standing in for a response that could not be read. */
const ERROR_MARK = "<error: ";
const DATE_LINE = /^(date:)[^\r\n]*$/gim;
/** Deadline for one representative response. */
const READ_TIMEOUT_MS = 5_000;

/** One server's bytes for a request, Date masked; errors are returned as text so they compare unequal. */
export async function responseBytes(port: number, r: Representative): Promise<string> {
  let conn: RawConnection | undefined;
  try {
    conn = await RawConnection.open(port);
    await conn.write(r.raw);
    const response = await conn.read({ head: r.head, timeoutMs: READ_TIMEOUT_MS });
    return response.raw.toString("latin1").replace(DATE_LINE, "$1 <masked>");
  } catch (error) {
    return `${ERROR_MARK}${error instanceof Error ? error.message : String(error)}>`;
  } finally {
    conn?.destroy();
  }
}

/** Where two byte strings first differ, shown with a little context, for the failure message. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 40));
  return `at byte ${i}: ${show(a)} vs ${show(b)}`;
}

/** One row per representative request: the first weft server's bytes against each other's. A server
 * that did not start (port undefined) or failed to answer makes the row fail. */
export async function identicalRows(servers: [WeftServerId, number | undefined][]): Promise<IdenticalRow[]> {
  const rows: IdenticalRow[] = [];
  for (const r of REPRESENTATIVES) {
    const name = `identical: ${r.name}`;
    if (servers.some(([, port]) => port === undefined)) {
      rows.push({ name, ok: false, message: "a weft server did not start" });
      continue;
    }
    const bytes = await Promise.all(servers.map(([, port]) => responseBytes(port!, r)));
    const bad = bytes.findIndex((b) => b !== bytes[0]);
    if (bad >= 0) rows.push({ name, ok: false, message: `${servers[0]![0]} vs ${servers[bad]![0]} ${firstDifference(bytes[0]!, bytes[bad]!)}` });
    else if (bytes[0]!.startsWith(ERROR_MARK)) rows.push({ name, ok: false, message: bytes[0] });
    else rows.push({ name, ok: true });
  }
  return rows;
}
