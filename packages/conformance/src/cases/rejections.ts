// Every refusal from issue 2, one row each, named after the attack. Each row expects the exact status,
// `Connection: close` and a closed connection; the request is sent whole and again split into pieces;
// the runner then checks a fresh connection still gets 200 (liveness).

import { FIXTURE_LIMITS } from "../fixture/config.ts";
import { chunk, chunkedRequest, CRLF, filler, get, head, HOST, rejects, simple } from "./helpers.ts";
import type { Case } from "./types.ts";

const SMUGGLE = "smuggling";
const LINE = "request line";
const FIELDS = "fields";
const LIMITS = "limits";

const post = (...fields: string[]) => head("POST /echo HTTP/1.1", `Host: ${HOST}`, ...fields);
const NODE_HOST = "node:http accepts a duplicate or invalid Host (NOTES.md)";
const BAD_HOST_500 = "accepts an invalid Host; the app's new URL(request.url) then throws (500)";
const NO_BODY_LIMIT = "no request body size limit configured/available";
const NO_COUNT_LIMIT = "no header count limit";

// Chunk-framing errors are sent to /len, which reads the whole body before answering: with /echo a
// streamed 200 could legitimately start before the bad byte arrives, and the 400 could not be sent.
const NO_LINE_LIMIT = "no request-line length limit configured";
const NO_CHUNK_LIMITS = "no chunk-extension or trailer size limit";
const NODE_VERSION = "node:http answers 400 or 200, not 505, to other HTTP versions";
const NO_HEADER_SIZE = { deno: "Deno.serve has no header-size knob", bun: "Bun.serve has no header-size knob" };
const BUN_505 = "Bun.serve answers 505 to many malformed request lines";

export const smugglingCases: Case[] = [
  rejects(SMUGGLE, "smuggle: Content-Length + Transfer-Encoding → 400", post("Content-Length: 5", "Transfer-Encoding: chunked") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: Transfer-Encoding + Content-Length (other order) → 400", post("Transfer-Encoding: chunked", "Content-Length: 5") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: two different Content-Length lines → 400", post("Content-Length: 5", "Content-Length: 6") + "hello!", 400),
  rejects(SMUGGLE, "smuggle: Content-Length list with different values → 400", post("Content-Length: 5, 6") + "hello!", 400),
  rejects(SMUGGLE, "smuggle: Content-Length with plus sign → 400", post("Content-Length: +5") + "hello", 400),
  rejects(SMUGGLE, "smuggle: negative Content-Length → 400", post("Content-Length: -5") + "hello", 400),
  rejects(SMUGGLE, "smuggle: Content-Length with inner space → 400", post("Content-Length: 1 0") + "helloworld", 400),
  rejects(SMUGGLE, "smuggle: hexadecimal Content-Length → 400", post("Content-Length: 0x5") + "hello", 400),
  rejects(SMUGGLE, "smuggle: empty Content-Length → 400", post("Content-Length:") + "hello", 400),
  rejects(SMUGGLE, "smuggle: Content-Length overflowing 2^64 → 400", post("Content-Length: 184467440737095516160") + "hello", 400),
  rejects(SMUGGLE, "smuggle: Transfer-Encoding: chunked, chunked → 400", post("Transfer-Encoding: chunked, chunked") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: two Transfer-Encoding: chunked lines → 400", post("Transfer-Encoding: chunked", "Transfer-Encoding: chunked") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: final coding not chunked (chunked, gzip) → 400", post("Transfer-Encoding: chunked, gzip") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: Transfer-Encoding: identity → 400", post("Transfer-Encoding: identity") + "hello", 400),
  rejects(SMUGGLE, "smuggle: unknown coding before chunked (gzip, chunked) → 501", post("Transfer-Encoding: gzip, chunked") + chunk("hello"), 501, { node: "node:http accepts gzip, chunked", deno: "Deno.serve accepts gzip, chunked", bun: "Bun.serve answers 400" }),
  rejects(SMUGGLE, "smuggle: Transfer-Encoding on HTTP/1.0 → 400 (RFC 9112 §6.1: faulty framing)",
    head("POST /echo HTTP/1.0", "Transfer-Encoding: chunked") + chunk("hello"), 400, { node: "node:http accepts chunked on HTTP/1.0" }),
  rejects(SMUGGLE, "smuggle: Transfer-Encoding: xchunked → 400", post("Transfer-Encoding: xchunked") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: space before colon in Transfer-Encoding → 400", post("Transfer-Encoding : chunked") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: space before colon in Content-Length → 400", post("Content-Length : 5") + "hello", 400),
  rejects(SMUGGLE, "smuggle: obs-fold in Transfer-Encoding → 400", post("Transfer-Encoding: identity", " chunked") + chunk("hello"), 400),
  rejects(SMUGGLE, "smuggle: obs-fold in an ordinary field → 400", get("/", "X-Test: a", " folded"), 400),
  rejects(SMUGGLE, "smuggle: bare LF ends the request line → 400", `GET / HTTP/1.1\nHost: ${HOST}\r\n\r\n`, 400, {
    deno: "Deno.serve accepts bare LF (allowed by RFC 9112 §2.2; weft refuses by default)",
    bun: BUN_505,
  }),
  rejects(SMUGGLE, "smuggle: bare LF ends a field line → 400", `GET / HTTP/1.1\r\nHost: ${HOST}\nX-Test: a\r\n\r\n`, 400, {
    deno: "Deno.serve accepts bare LF (allowed by RFC 9112 §2.2; weft refuses by default)",
  }),
  rejects(SMUGGLE, "smuggle: bare CR inside a field value → 400", get("/", "X-Test: a\rb"), 400),
  rejects(SMUGGLE, "smuggle: NUL inside a field value → 400", get("/", "X-Test: a\x00b"), 400),
  rejects(SMUGGLE, "smuggle: DEL inside a field value → 400", get("/", "X-Test: a\x7fb"), 400, { bun: "Bun.serve accepts DEL in a field value" }),
  rejects(SMUGGLE, "smuggle: invalid chunk size (zz) → 400", chunkedRequest("/len", `zz${CRLF}hello${CRLF}0${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors" }),
  rejects(SMUGGLE, "smuggle: negative chunk size → 400", chunkedRequest("/len", `-5${CRLF}hello${CRLF}0${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors" }),
  rejects(SMUGGLE, "smuggle: chunk size overflowing 64 bits → 400", chunkedRequest("/len", `10000000000000000005${CRLF}hello${CRLF}0${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors" }),
  rejects(SMUGGLE, "smuggle: chunk data not followed by CRLF → 400", chunkedRequest("/len", `5${CRLF}helloXX0${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors" }),
  rejects(SMUGGLE, "smuggle: chunk size line ended by bare LF → 400", chunkedRequest("/len", `5\nhello${CRLF}0${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors" }),
  rejects(SMUGGLE, "smuggle: empty chunk size → 400", chunkedRequest("/len", `${CRLF}hello${CRLF}0${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors" }),
  rejects(SMUGGLE, "smuggle: malformed trailer line → 400", chunkedRequest("/len", `5${CRLF}hello${CRLF}0${CRLF}bad trailer${CRLF}${CRLF}`), 400, { deno: "Deno.serve closes without a response on chunk framing errors", bun: "Bun.serve does not parse trailers (NOTES.md)" }),
];

export const requestLineCases: Case[] = [
  rejects(LINE, "bad method token (parenthesis) → 400", head("G(T / HTTP/1.1", `Host: ${HOST}`), 400),
  rejects(LINE, "two spaces after the method → 400", head("GET  / HTTP/1.1", `Host: ${HOST}`), 400, { node: "node:http accepts several spaces between method and target" }),
  rejects(LINE, "tab as separator → 400", head("GET\t/ HTTP/1.1", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "space inside the target → 400", head("GET /a b HTTP/1.1", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "control character in the target → 400", head("GET /\x01 HTTP/1.1", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "missing version (HTTP/0.9 style) → 400", `GET /${CRLF}${CRLF}`, 400, { node: "node:http accepts a request line without a version", bun: BUN_505 }),
  rejects(LINE, "CONNECT (tunnels not implemented) → 501", head("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"), 501, { node: "node:http hands CONNECT to a connect listener (none here)", deno: "Deno.serve hands CONNECT to the app", bun: "Bun.serve hands CONNECT to the app" }),
  rejects(LINE, "asterisk-form on GET → 400", head("GET * HTTP/1.1", `Host: ${HOST}`), 400, { node: "node:http accepts asterisk-form on any method" }),
  rejects(LINE, "authority-form on GET → 400", head("GET example.com:80 HTTP/1.1", `Host: ${HOST}`), 400),
  rejects(LINE, "HTTP/2.0 → 505", head("GET / HTTP/2.0", `Host: ${HOST}`), 505, { node: NODE_VERSION, deno: "Deno.serve answers 400 to other HTTP versions" }),
  rejects(LINE, "HTTP/3.0 → 505", head("GET / HTTP/3.0", `Host: ${HOST}`), 505, { node: NODE_VERSION, deno: "Deno.serve answers 400 to other HTTP versions" }),
  rejects(LINE, "HTTP/1.2 → 505", head("GET / HTTP/1.2", `Host: ${HOST}`), 505, { node: NODE_VERSION, deno: "Deno.serve answers 400 to other HTTP versions" }),
  rejects(LINE, "lower-case http/1.1 → 400", head("GET / http/1.1", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "version HTTP/11 → 400", head("GET / HTTP/11", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "version with trailing junk HTTP/1.1x → 400", head("GET / HTTP/1.1x", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "trailing space after the version → 400", head("GET / HTTP/1.1 ", `Host: ${HOST}`), 400, { bun: BUN_505 }),
  rejects(LINE, "target over maxRequestLineBytes → 414", get("/" + "a".repeat(FIXTURE_LIMITS.maxRequestLineBytes + 10)), 414, {
    node: NO_LINE_LIMIT,
    deno: NO_LINE_LIMIT,
    bun: NO_LINE_LIMIT,
  }),
  rejects(LINE, "method over maxRequestLineBytes → 400", head("A".repeat(FIXTURE_LIMITS.maxRequestLineBytes + 10) + " / HTTP/1.1", `Host: ${HOST}`), 400, {
    deno: NO_LINE_LIMIT,
    bun: NO_LINE_LIMIT,
  }),
];

export const fieldCases: Case[] = [
  rejects(FIELDS, "missing Host on HTTP/1.1 → 400", head("GET / HTTP/1.1"), 400, { deno: "Deno.serve accepts HTTP/1.1 without Host" }),
  rejects(FIELDS, "two Host lines → 400", get("/", "Host: second.test"), 400, { node: NODE_HOST, bun: "Bun.serve accepts two Host lines" }),
  rejects(FIELDS, "Host with a space inside → 400", head("GET / HTTP/1.1", "Host: a b"), 400, {
    node: NODE_HOST,
    deno: BAD_HOST_500,
    bun: BAD_HOST_500,
  }),
  rejects(FIELDS, "field name with an invalid character → 400", get("/", "X(bad): v"), 400),
  rejects(FIELDS, "field name with a space inside → 400", get("/", "Bad Name: v"), 400),
  rejects(FIELDS, "empty field name → 400", get("/", ": v"), 400),
  rejects(FIELDS, "field line without a colon → 400", get("/", "NoColonHere"), 400),
  rejects(FIELDS, "whitespace before the first field line → 400", `GET / HTTP/1.1${CRLF} Host: ${HOST}${CRLF}${CRLF}`, 400),
  rejects(FIELDS, "tab before colon → 400", get("/", "X-Test\t: v"), 400),
];

/** A header section of `count` lines of `size` bytes each (besides Host). */
const fields = (count: number, size: number) => Array.from({ length: count }, (_, i) => `X-F${String(i).padStart(3, "0")}: ${filler(size, i)}`);

/** `GET <target> HTTP/1.1` whose request line (CRLF excluded) is exactly `bytes` long. */
function lineOf(bytes: number): string {
  const fixed = "GET /headers?pad= HTTP/1.1".length;
  return head(`GET /headers?pad=${"p".repeat(bytes - fixed)} HTTP/1.1`, `Host: ${HOST}`);
}

/** A GET whose field section (every field line with its CRLF, the final empty line excluded) is exactly
 * `bytes` long, in `count` lines (Host included). */
function sectionOf(bytes: number, count: number): string {
  const hostLine = `Host: ${HOST}`;
  let left = bytes - (hostLine.length + 2);
  const lines = [hostLine];
  for (let i = 1; i < count; i++) {
    const name = `X-F${String(i).padStart(3, "0")}: `;
    const size = i === count - 1 ? left - name.length - 2 : Math.floor(left / (count - i)) - name.length - 2;
    lines.push(name + filler(size, i));
    left -= name.length + size + 2;
  }
  return head("GET / HTTP/1.1", ...lines);
}

export const limitCases: Case[] = [
  // Boundaries: exactly at each limit is accepted, one past it is refused (off-by-one guards).
  simple(LIMITS, "request line of exactly maxRequestLineBytes → 200", lineOf(FIXTURE_LIMITS.maxRequestLineBytes), { status: 200 }, {
    closed: false,
  }),
  rejects(LIMITS, "request line one byte over maxRequestLineBytes → 414", lineOf(FIXTURE_LIMITS.maxRequestLineBytes + 1), 414, {
    node: NO_LINE_LIMIT,
    deno: NO_LINE_LIMIT,
    bun: NO_LINE_LIMIT,
  }),
  simple(LIMITS, "exactly maxHeaderCount field lines → 200", sectionOf(FIXTURE_LIMITS.maxHeaderCount * 20, FIXTURE_LIMITS.maxHeaderCount), { status: 200 }, {
    closed: false,
  }),
  rejects(LIMITS, "one field line over maxHeaderCount → 431", sectionOf((FIXTURE_LIMITS.maxHeaderCount + 1) * 20, FIXTURE_LIMITS.maxHeaderCount + 1), 431, {
    node: NO_COUNT_LIMIT,
    deno: NO_COUNT_LIMIT,
    bun: NO_COUNT_LIMIT,
  }),
  simple(LIMITS, "field section 2 bytes under maxHeaderBytes → 200", sectionOf(FIXTURE_LIMITS.maxHeaderBytes - 2, 8), { status: 200 }, { closed: false }),
  rejects(LIMITS, "field section 1 byte over maxHeaderBytes → 431", sectionOf(FIXTURE_LIMITS.maxHeaderBytes + 1, 8), 431, {
    ...NO_HEADER_SIZE,
    node: "node:http's maxHeaderSize is not an exact bound on the field section",
  }),
  rejects(LIMITS, "one field larger than maxHeaderBytes → 431", get("/", `X-Big: ${filler(FIXTURE_LIMITS.maxHeaderBytes + 10)}`), 431, NO_HEADER_SIZE),
  rejects(LIMITS, "field section over maxHeaderBytes in small fields → 431", get("/", ...fields(20, Math.ceil(FIXTURE_LIMITS.maxHeaderBytes / 15))), 431, NO_HEADER_SIZE),
  rejects(LIMITS, "more than maxHeaderCount fields → 431", get("/", ...fields(FIXTURE_LIMITS.maxHeaderCount + 5, 4)), 431, {
    node: NO_COUNT_LIMIT,
    deno: NO_COUNT_LIMIT,
    bun: NO_COUNT_LIMIT,
  }),
  rejects(LIMITS, "Content-Length over maxBodyBytes → 413 before the body", post(`Content-Length: ${FIXTURE_LIMITS.maxBodyBytes + 1}`), 413, {
    node: NO_BODY_LIMIT,
    deno: NO_BODY_LIMIT,
  }),
  rejects(LIMITS, "chunked body growing over maxBodyBytes → 413", chunkedRequest("/len", chunk(filler(FIXTURE_LIMITS.maxBodyBytes + 1024), 4096)), 413, {
    node: NO_BODY_LIMIT,
    deno: NO_BODY_LIMIT,
  }),
  rejects(LIMITS, "one chunk announced over maxBodyBytes → 413", chunkedRequest("/len", `${(FIXTURE_LIMITS.maxBodyBytes * 2).toString(16)}${CRLF}abc`), 413, {
    node: NO_BODY_LIMIT,
    deno: NO_BODY_LIMIT,
    bun: "Bun.serve closes without a 413 when one chunk exceeds maxRequestBodySize",
  }),
  rejects(LIMITS, "chunk extension over maxChunkExtensionBytes → 400",
    chunkedRequest("/len", `5;ext=${filler(FIXTURE_LIMITS.maxChunkExtensionBytes + 10)}${CRLF}hello${CRLF}0${CRLF}${CRLF}`), 400, {
      node: NO_CHUNK_LIMITS,
      deno: NO_CHUNK_LIMITS,
      bun: NO_CHUNK_LIMITS,
    }),
  rejects(LIMITS, "trailer section over maxTrailerBytes → 431",
    chunkedRequest("/len", `5${CRLF}hello${CRLF}0${CRLF}X-Trailer: ${filler(FIXTURE_LIMITS.maxTrailerBytes + 10)}${CRLF}${CRLF}`), 431, {
      node: NO_CHUNK_LIMITS,
      deno: NO_CHUNK_LIMITS,
      bun: NO_CHUNK_LIMITS,
    }),
];
