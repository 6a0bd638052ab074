// The response writer: a handler's status and fields in, wire bytes out (RFC 9112 §4, §6, §7).
//
// Life of a response head: the connection hands `serializeHead` the handler's status and Headers plus what
// it knows about the request (method, version, keep-alive) and the body (known length or streaming).
// `decideFraming` picks how the body is delimited, in one place, with RFC 9112 §6.3's rules beside its
// branches. The fields are validated (a handler must not be able to inject a CR/LF), framing fields are
// written by weft itself, and the whole head is built as one string and turned into bytes once.
//
// Framing fields from the handler are NOT trusted: a Content-Length or Transfer-Encoding set by a handler
// is dropped and replaced by what weft actually writes. A handler claiming a length it does not send would
// otherwise desynchronise the connection (response splitting); weft counts the body itself.
// Two documented exceptions, both for responses that carry no body so the value cannot frame anything:
// a 304 keeps the handler's Content-Length (RFC 9110 §8.6 lets it describe the selected representation),
// and so does a HEAD response whose body length weft does not know (RFC 9110 §9.3.2).

import { Slab } from "./bytes.ts";
import { httpDate } from "./date.ts";

/** Standard reason phrases (RFC 9110 §15, plus RFC 6585, 7725, 8297, 4918, 5842, 2774, 3229, 2324). */
export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
  205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
  408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed",
  413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
  417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Content",
  423: "Locked", 424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required",
  428: "Precondition Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
  507: "Insufficient Storage", 508: "Loop Detected", 510: "Not Extended", 511: "Network Authentication Required",
});

/** How the caller must frame the body bytes it writes after the head.
 * - "none": write no body bytes at all (HEAD, 1xx, 204, 205, 304), whatever the handler returned.
 * - "length": write exactly `bodyLength` bytes as they are.
 * - "chunked": wrap each piece with `encodeChunk`, then write `LAST_CHUNK`.
 * - "close": write the bytes as they are, then close the connection (HTTP/1.0, unknown length). */
export type BodyFraming = "none" | "length" | "chunked" | "close";

export interface HeadInput {
  /** 100..599 (1xx are informational: no body, no framing headers). */
  status: number;
  /** From the handler's Response. Plain pairs are accepted too (then names may be any case). */
  headers: Headers | Iterable<readonly [string, string]>;
  /** Instead of `headers`: flat [name, value, …] with lowercase token names, from a simple WeftResponse
   * (weft-response.ts checked the names and the Fetch standard's value rules; the rest is checked here). */
  flatFields?: readonly string[] | null;
  /** "HEAD" => no body bytes, but framing headers as for GET (RFC 9110 §9.3.2). */
  requestMethod: string;
  requestVersionMinor: 0 | 1;
  /** The connection wants to stay open after this response. */
  keepAlive: boolean;
  /** Known length in bytes, or null for a streaming body of unknown length. */
  bodyLength: number | null;
  /** The time for the Date field, ms since the epoch, as the caller's clock read it (a connection reads
   * its clock once per pass of its response loop). Default: the system clock, now. */
  nowMs?: number;
}

export interface SerializedHead {
  /** Status line + fields + CRLF, ready to write. The bytes are the caller's, but may be a view into a
   * shared slab: do not transfer or detach `bytes.buffer`. */
  bytes: Uint8Array;
  /** How the caller must frame the body bytes it writes next. */
  framing: BodyFraming;
  /** False if the framing forces close (HTTP/1.0, unknown length) or the handler sent Connection: close.
   * For 1xx (interim) responses it is the input's value unchanged: the final response decides. */
  keepAlive: boolean;
}

/** A handler produced a response weft refuses to write (bad status, field name or value). The connection
 * answers 500 instead; nothing of the bad response reaches the wire. The message never quotes a value. */
export class InvalidResponseError extends Error {
  override readonly name = "InvalidResponseError";
}

const CRLF = "\r\n";
const HTTP_VERSION = "HTTP/1.1"; // RFC 9110 §6.2: answer with our highest version whose major <= the request's.
const MIN_STATUS = 100;
const MAX_STATUS = 599;
const CHUNKED = "chunked";

// RFC 9110 §5.6.2: token = 1*tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5: field-value = *( VCHAR / SP / HTAB / obs-text ). Anything else (CR, LF, NUL, the other
// CTLs and DEL) is refused: CR/LF would inject fields or a whole response. Characters above U+00FF cannot be
// written as one octet (fields are written as latin1, as Headers' ByteString values are), so they are refused too.
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
// The common case first: a value of HTAB/SP/VCHAR only is valid and ASCII, so one test settles it.
const NOT_PLAIN_ASCII = /[^\t\x20-\x7e]/;
// RFC 9110 §8.6: Content-Length = 1*DIGIT.
const DIGITS = /^[0-9]+$/;

// Status lines for every registered status, built once (the common ones then cost a property read).
const STATUS_LINES: string[] = [];
for (let s = MIN_STATUS; s <= MAX_STATUS; s++) {
  // RFC 9112 §4: the SP before the reason phrase is required even when the phrase is empty.
  STATUS_LINES[s] = `${HTTP_VERSION} ${s} ${STATUS_TEXT[s] ?? ""}${CRLF}`;
}

/** RFC 9112 §6.3 (how a recipient finds the end of a response body), read from the sender's side.
 * `bodyLength` is the handler body's known length, or null when it streams. */
export function decideFraming(status: number, method: string, versionMinor: 0 | 1, bodyLength: number | null): BodyFraming {
  // Rule 1: a response to HEAD, and any 1xx, 204 or 304 response, ends with its header section.
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) return "none";
  // RFC 9110 §15.3.6: a 205 MUST NOT carry content (we send Content-Length: 0 for it).
  if (status === 205) return "none";
  // Rule 6: a valid Content-Length gives the length. Weft writes it from the length it will send.
  if (bodyLength !== null) return "length";
  // Rule 4: chunked as the final transfer coding; only an HTTP/1.1 client understands it (RFC 9112 §7).
  if (versionMinor === 1) return CHUNKED;
  // Rule 8: otherwise the body runs until the server closes the connection.
  return "close";
}

/** What one scan of the handler's fields learned. */
interface FieldScan {
  lines: string;
  hasDate: boolean;
  /** The handler's Content-Length, kept only where it frames nothing (304, HEAD). */
  contentLength: string | null;
  /** The handler asked to close (Connection: close). */
  close: boolean;
  /** Connection tokens other than close/keep-alive (e.g. "upgrade" on a 101), to pass on. */
  connectionTokens: string;
  /** Some value holds obs-text (U+0080..U+00FF), so the head cannot go through the ASCII encoder. */
  latin1: boolean;
}

function refuse(what: string, name: string): never {
  // Quote at most the start of the name (it is a token or garbage from the handler, never client input);
  // never quote the value, which may be long or sensitive.
  throw new InvalidResponseError(`weft: handler response has an invalid ${what} (field ${JSON.stringify(name.slice(0, 64))})`);
}

/** scanFields for a WeftResponse's flat field list: names are lowercase tokens already. */
function scanFlatFields(fields: readonly string[]): FieldScan {
  const scan: FieldScan = { lines: "", hasDate: false, contentLength: null, close: false, connectionTokens: "", latin1: false };
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (NOT_PLAIN_ASCII.test(value)) checkValue(scan, value, name);
    if (!noteField(scan, name, value)) continue;
    scan.lines += name + ": " + value + CRLF;
  }
  return scan;
}

/** Record what a (lowercase) field name means for framing; false: weft writes it itself, skip it. */
function noteField(scan: FieldScan, lower: string, value: string): boolean {
  switch (lower) {
    case "content-length":
      if (DIGITS.test(value)) scan.contentLength = value;
      return false; // never written as given: see the file comment
    case "transfer-encoding":
      return false; // weft alone decides chunking (RFC 9112 §6.1)
    case "connection":
      readConnection(scan, value);
      return false;
    case "date":
      scan.hasDate = true;
      return true;
  }
  return true;
}

function scanFields(headers: HeadInput["headers"]): FieldScan {
  const scan: FieldScan = { lines: "", hasDate: false, contentLength: null, close: false, connectionTokens: "", latin1: false };
  const isHeaders = typeof Headers !== "undefined" && headers instanceof Headers;
  // Every Set-Cookie value must stay its own field line (RFC 6265 §3: it cannot be combined with commas).
  const splitCookies = isHeaders && typeof (headers as Headers).getSetCookie === "function";
  for (const pair of headers) {
    const name = pair[0];
    const value = pair[1];
    if (!TOKEN.test(name)) refuse("field name", name);
    if (NOT_PLAIN_ASCII.test(value)) checkValue(scan, value, name);
    const lower = isHeaders ? name : name.toLowerCase(); // Headers already lower-cases names.
    if (splitCookies && lower === "set-cookie") continue; // written below from getSetCookie()
    if (!noteField(scan, lower, value)) continue;
    scan.lines += name + ": " + value + CRLF;
  }
  if (splitCookies) {
    for (const cookie of (headers as Headers).getSetCookie()) {
      if (NOT_PLAIN_ASCII.test(cookie)) checkValue(scan, cookie, "set-cookie");
      scan.lines += "set-cookie: " + cookie + CRLF;
    }
  }
  return scan;
}

/** The slow path of value validation: refuse a CTL or a char above U+00FF, or note obs-text. */
function checkValue(scan: FieldScan, value: string, name: string): void {
  if (BAD_VALUE_CHAR.test(value)) refuse("field value", name);
  scan.latin1 = true;
}

/** RFC 9110 §7.6.1: Connection is a comma-separated list of tokens. */
function readConnection(scan: FieldScan, value: string): void {
  for (const raw of value.split(",")) {
    const token = raw.trim();
    if (token === "") continue;
    const lower = token.toLowerCase();
    if (lower === "close") scan.close = true;
    else if (lower !== "keep-alive") scan.connectionTokens += (scan.connectionTokens === "" ? "" : ", ") + token;
  }
}

interface BuiltHead {
  head: string;
  latin1: boolean;
  framing: BodyFraming;
  keepAlive: boolean;
}

function buildHead(input: HeadInput, bodyLength: number | null, date: string): BuiltHead {
  const status = input.status;
  if (!Number.isInteger(status) || status < MIN_STATUS || status > MAX_STATUS) {
    throw new InvalidResponseError(`weft: handler response has an invalid status (${String(status).slice(0, 16)})`);
  }
  if (bodyLength !== null && !(Number.isSafeInteger(bodyLength) && bodyLength >= 0)) {
    throw new InvalidResponseError("weft: body length must be a non-negative integer or null");
  }
  const minor = input.requestVersionMinor;
  const framing = decideFraming(status, input.requestMethod, minor, bodyLength);
  const scan = input.flatFields != null ? scanFlatFields(input.flatFields) : scanFields(input.headers);
  let head = STATUS_LINES[status]! + scan.lines;
  const interim = status < 200;

  // RFC 9110 §6.6.1: Date on every final response (MAY on 1xx; weft, like node:http, leaves it off there).
  if (!interim && !scan.hasDate) head += "Date: " + date + CRLF;

  // Framing fields. RFC 9110 §8.6 / RFC 9112 §6.1: never Content-Length or Transfer-Encoding on 1xx or 204.
  if (framing === "length") head += "Content-Length: " + bodyLength + CRLF;
  else if (framing === CHUNKED) head += "Transfer-Encoding: chunked" + CRLF;
  else if (status === 205) head += "Content-Length: 0" + CRLF;
  else if (status === 304) {
    if (scan.contentLength !== null) head += "Content-Length: " + scan.contentLength + CRLF;
  } else if (input.requestMethod === "HEAD" && !interim && status !== 204) {
    // RFC 9110 §9.3.2: the fields a GET would have carried, without the body. An empty HEAD body says
    // nothing about the GET's length, so the handler's Content-Length wins over 0 (static files answer
    // HEAD with a null body and the file's size).
    if (bodyLength !== null && (bodyLength > 0 || scan.contentLength === null)) head += "Content-Length: " + bodyLength + CRLF;
    else if (scan.contentLength !== null) head += "Content-Length: " + scan.contentLength + CRLF;
    else if (minor === 1) head += "Transfer-Encoding: chunked" + CRLF;
  }

  // Persistence (RFC 9112 §9.3). A 1xx does not end the exchange, so it neither closes nor announces.
  let keepAlive = input.keepAlive;
  if (interim) {
    if (scan.connectionTokens !== "") head += "Connection: " + scan.connectionTokens + CRLF;
  } else {
    keepAlive = keepAlive && !scan.close && framing !== "close";
    let connection = scan.connectionTokens;
    // §9.3: "close" when this is the last response; a 1.0 client needs "keep-alive" to keep going (§9.3.1 / RFC 7230 A.1.2).
    const own = !keepAlive ? "close" : minor === 0 ? "keep-alive" : "";
    if (own !== "") connection = connection === "" ? own : connection + ", " + own;
    if (connection !== "") head += "Connection: " + connection + CRLF;
  }
  return { head: head + CRLF, latin1: scan.latin1, framing, keepAlive };
}

const encoder = new TextEncoder();

/** The response writer's output buffers (bytes.ts, Slab). */
const slab = new Slab();
const allocate = (size: number): Uint8Array => slab.take(size);

/** Writes the head (every char <= U+00FF, guaranteed by validation) as latin1 at the start of `out`, which
 * is at least `text.length` long. ASCII (the usual case) goes through one native encodeInto; obs-text
 * characters (U+0080..U+00FF) are written one octet each, as Headers' ByteString values mean them. */
function writeLatin1(text: string, latin1: boolean, out: Uint8Array): void {
  if (text === lastHeadText) {
    out.set(lastHeadBytes);
    return;
  }
  if (!latin1) encoder.encodeInto(text, out);
  else for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  if (text.length <= MAX_REMEMBERED_HEAD) {
    lastHeadText = text;
    lastHeadBytes = out.slice(0, text.length);
  }
}

// The last head written and its bytes. A server answering the same route again and again writes the same
// head (same status, fields, Date second and length) many times a second; copying its bytes is cheaper
// than encoding the text again. A string cannot change, so equal text means equal bytes.
const MAX_REMEMBERED_HEAD = 1024;
let lastHeadText = "";
let lastHeadBytes = new Uint8Array(0);

/** Serialize a response head. Throws InvalidResponseError (never writes) when a handler's field name is
 * not a token, a value contains CR, LF, NUL or another CTL (header injection), or the status is not 100..599. */
export function serializeHead(input: HeadInput): SerializedHead {
  const built = buildHead(input, input.bodyLength, httpDate(input.nowMs));
  const bytes = allocate(built.head.length);
  writeLatin1(built.head, built.latin1, bytes);
  return { bytes, framing: built.framing, keepAlive: built.keepAlive };
}

/** A complete response in one buffer, with what the caller needs to know afterwards. */
export interface SerializedResponse {
  bytes: Uint8Array;
  /** "length" or "none" (the body was left out: HEAD, 1xx, 204, 205, 304). */
  framing: BodyFraming;
  keepAlive: boolean;
}

/** Fast path for the common case: head + body in one buffer. `input.bodyLength` is ignored: the length
 * is the body's (null means empty). Also reports `keepAlive` (the handler may have sent Connection: close). */
export function serializeFullResponse(input: HeadInput, body: Uint8Array | null): SerializedResponse {
  const length = body === null ? 0 : body.byteLength;
  const date = httpDate(input.nowMs);
  let head = input.flatFields != null ? rememberedHead(input, length, date) : null;
  if (head !== null && head.result !== null && head.resultBody === body) return head.result;
  if (head === null) {
    const built = buildHead(input, length, date);
    head = { text: built.head, latin1: built.latin1, framing: built.framing, keepAlive: built.keepAlive, bytes: null, result: null, resultBody: null };
    if (input.flatFields != null) remember(input, input.flatFields, length, date, head);
  }
  const withBody = head.framing === "length" && body !== null;
  const headBytes = head.text.length;
  const bytes = allocate(headBytes + (withBody ? length : 0));
  if (head.bytes !== null) bytes.set(head.bytes);
  else writeLatin1(head.text, head.latin1, bytes);
  if (withBody) bytes.set(body, headBytes);
  const result = { bytes, framing: head.framing, keepAlive: head.keepAlive };
  if (input.flatFields != null) {
    head.result = result;
    head.resultBody = body;
  }
  return result;
}

// The last head built from a simple response's flat fields, with everything it was built from. A server
// answering one route again and again builds the same head (same status, field strings, Date second,
// length and request kind) many times a second; comparing those inputs (the field strings are usually
// the very same string objects, so each comparison is one pointer test) costs less than building, checking
// and encoding the head again, and the same inputs always give the same bytes.

interface MemoHead {
  text: string;
  latin1: boolean;
  framing: BodyFraming;
  keepAlive: boolean;
  /** The encoded head, once it has been written (null: encode `text`). */
  bytes: Uint8Array | null;
  /** The last whole response built on this head, and the body it was built from. The same head and the
   * very same body bytes (never changed once handed to the writer: a string body's bytes come from one
   * encoder cache, a byte body is the Response's own copy) give the same bytes, and nothing changes bytes
   * once written, so it is handed out again: a server answering one route again and again then neither
   * allocates nor copies per response. */
  result: SerializedResponse | null;
  resultBody: Uint8Array | null;
}

/** What the remembered head was built from, and the head. */
interface Memo {
  status: number;
  fields: readonly string[];
  headRequest: boolean;
  minor: 0 | 1;
  keepAlive: boolean;
  length: number;
  date: string;
  head: MemoHead;
}

let memo: Memo | null = null;

function rememberedHead(input: HeadInput, length: number, date: string): MemoHead | null {
  const m = memo;
  if (m === null || input.status !== m.status || length !== m.length || date !== m.date || input.keepAlive !== m.keepAlive ||
    input.requestVersionMinor !== m.minor || (input.requestMethod === "HEAD") !== m.headRequest) return null;
  const fields = input.flatFields!;
  if (fields.length !== m.fields.length) return null;
  for (let i = 0; i < fields.length; i++) if (fields[i] !== m.fields[i]) return null;
  const head = m.head;
  if (head.bytes === null && head.text.length <= MAX_REMEMBERED_HEAD) {
    const bytes = new Uint8Array(head.text.length);
    writeLatin1(head.text, head.latin1, bytes);
    head.bytes = bytes;
  }
  return head;
}

function remember(input: HeadInput, fields: readonly string[], length: number, date: string, head: MemoHead): void {
  memo = {
    status: input.status,
    fields: fields.slice(),
    headRequest: input.requestMethod === "HEAD",
    minor: input.requestVersionMinor,
    keepAlive: input.keepAlive,
    length,
    date,
    head,
  };
}

/** Fast path for the common case: a complete response (head + body) in one buffer. As
 * `serializeFullResponse(...).bytes`; use that one when you need to know whether to keep the connection. */
export function serializeResponse(input: HeadInput, body: Uint8Array | null): Uint8Array {
  return serializeFullResponse(input, body).bytes;
}

// ---------------------------------------------------------------------------------------------------
// Chunked transfer coding (RFC 9112 §7.1): chunk = chunk-size CRLF chunk-data CRLF; last-chunk = "0" CRLF.

const CR = 0x0d;
const LF = 0x0a;
const HEX_RADIX = 16;
const EMPTY = new Uint8Array(0);

/** The last chunk plus the empty trailer section: "0\r\n\r\n". Shared: do not modify. */
export const LAST_CHUNK: Uint8Array = encoder.encode("0\r\n\r\n");

/** "size-in-hex CRLF" for a chunk of `size` bytes, for callers that write the data without copying it
 * (then write `CHUNK_END` after the data). `size` must be > 0: a zero size is the last chunk. */
export function chunkHeader(size: number): Uint8Array {
  return encoder.encode(size.toString(HEX_RADIX) + CRLF);
}

/** The CRLF that ends a chunk's data. Shared: do not modify. */
export const CHUNK_END: Uint8Array = encoder.encode(CRLF);

/** Frame one chunk as a new Uint8Array (possibly a slab view, see `allocate`): hex size CRLF data CRLF. Empty data returns an empty array (write
 * nothing): a zero-size chunk would end the body early (RFC 9112 §7.1), so only LAST_CHUNK may do that. */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const size = data.byteLength;
  if (size === 0) return EMPTY;
  const hex = size.toString(HEX_RADIX);
  const out = allocate(hex.length + 2 + size + 2);
  encoder.encodeInto(hex, out);
  let at = hex.length;
  out[at++] = CR;
  out[at++] = LF;
  out.set(data, at);
  at += size;
  out[at++] = CR;
  out[at] = LF;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Refusals

/** The fixed response for a refused request: status line, Date, Content-Type text/plain, Content-Length,
 * Connection: close, and a fixed body (the reason phrase). It never echoes any byte of the request. */
export function errorResponseBytes(status: number): Uint8Array {
  if (!Number.isInteger(status) || status < MIN_STATUS || status > MAX_STATUS) {
    throw new RangeError(`weft: errorResponseBytes needs a status in ${MIN_STATUS}..${MAX_STATUS}`);
  }
  const body = (STATUS_TEXT[status] ?? "Error") + "\n";
  return encoder.encode(
    STATUS_LINES[status]! +
      "Date: " + httpDate() + CRLF +
      "Content-Type: text/plain; charset=utf-8" + CRLF +
      "Content-Length: " + body.length + CRLF +
      "Connection: close" + CRLF + CRLF + body,
  );
}
