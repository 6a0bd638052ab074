// A `Response` that remembers what it was made from, so the connection can write it without streams.
//
// A web Response hides its body behind a ReadableStream: to send `new Response("hello")` a server must
// read that stream, and on Node the Response constructor alone costs ~15-19 µs (undici builds the stream
// eagerly), more than node:http spends on a whole request. The runtimes' own servers read their
// Response's internal slots; weft cannot. So, as @hono/node-server does, weft installs a lighter class as
// the global `Response` when a server starts (`ServeOptions.fastResponse`, default true):
// - `new Response(body, init)` with a string, bytes (ArrayBuffer or a view) or no body keeps the body, the
//   status and the field lines as given, after the same checks the Fetch standard makes (RangeError for a
//   status outside 200..599, TypeError for a bad field name or value, a bad statusText, or a body on a
//   null-body status). The connection writes such a response straight from those parts (`simpleParts`).
// - Any other body (a stream, Blob, FormData, URLSearchParams) is handed to the runtime's own Response at
//   once ("the native response"); every getter and method then forwards to it.
// - A simple response builds its native response on first use of anything that needs one (`body`,
//   `clone()`, `blob()`, `formData()`, …). `status`, `statusText`, `ok`, `headers`, `type`, `url`,
//   `redirected`, `text()`, `arrayBuffer()`, `bytes()`, `json()` are answered without it.
// - `x instanceof Response` is true for these and for every native Response (fetch() results,
//   `Response.json()`); the static methods are the runtime's own (they return native responses, which
//   the connection reads the ordinary way).
// Known difference: a runtime API that reads a Response's internal slots (`caches.put`, handing it to
// the runtime's own server (Deno's or Bun's serve()) in the same process) needs a native one: `response.clone()` is native.

import { copyHeaders, forwardToNative } from "./facade.ts";

/** The runtime's own Response class, captured before weft replaces the global. */
const NativeResponse: typeof Response = globalThis.Response;
/** The runtime's Headers class, read once: on Deno the global is a lazy getter that runs on every read. */
const NativeHeaders: typeof Headers = globalThis.Headers;

/** WebIDL `unsigned short` (ResponseInit.status): a number is truncated and taken modulo 2^16. */
const UNSIGNED_SHORT_RANGE = 0x10000;
const MIN_STATUS = 200;
const MAX_STATUS = 599;
const DEFAULT_STATUS = 200;
/** Fetch standard "null body status" (101, 103, 204, 205, 304): a Response with one may not have a
 * body. Comparisons, not a Set: this is asked for every response. */
export function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 304 || status === 205 || status === 101 || status === 103;
}
const CONTENT_TYPE = "content-type";
/** What the Response constructor sets for a string body without a Content-Type (Fetch standard). */
const TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8";
// RFC 9110 §5.6.2 token; the Fetch standard's header name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Fetch standard: a header value has no NUL, CR or LF (and no leading/trailing HTTP whitespace, which is
// trimmed), and as a ByteString no character above U+00FF. Other control characters are the response
// writer's to refuse (a 500, never written).
const FORBIDDEN_VALUE_CHAR = /[\0\r\n\u0100-\uffff]/;
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const HAS_EDGE_WHITESPACE = /^[\t\n\r ]|[\t\n\r ]$/;
/** Either of the two above: one test settles the common value. */
const NEEDS_A_LOOK = /^[\t\n\r ]|[\t\n\r ]$|[\0\r\n\u0100-\uffff]/;
// RFC 9112 §4 reason-phrase: HTAB / SP / VCHAR / obs-text.
const BAD_REASON_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const BODY_UNUSABLE = "weft: the response body was already read (Body is unusable)";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type SimpleBody = string | Uint8Array | null;

/** What the connection needs to write a simple response. `fields` are flat [name, value, name, value…]
 * with lowercase names, already checked as the Fetch standard checks them; `headers` is set instead when
 * the handler used (and may have changed) `response.headers`. */
export interface SimpleParts {
  status: number;
  fields: readonly string[] | null;
  headers: Headers | null;
  body: SimpleBody;
}

function bodyIsSimple(body: unknown): boolean {
  return body === undefined || body === null || typeof body === "string" || body instanceof ArrayBuffer || ArrayBuffer.isView(body);
}

/** WebIDL's conversion to `unsigned short` (no [EnforceRange]), as the native constructor applies it to
 * `status`: `200.5` is 200, `"201"` is 201, NaN is 0 (then refused as outside 200..599). */
function unsignedShort(value: unknown): number {
  const number = Number(value);
  if (!Number.isFinite(number)) return 0;
  const integer = Math.trunc(number) % UNSIGNED_SHORT_RANGE;
  return integer < 0 ? integer + UNSIGNED_SHORT_RANGE : integer;
}

/** A copy of the bytes (the Fetch standard's "extract a body" copies a BufferSource). */
function copyBytes(body: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
}

/** Values found acceptable as they are, most recent first: an app sends the same few values (often the
 * very same strings) again and again, and comparing a string with a few others costs less than a test.
 * A string cannot change, so a value equal to one of these passes as it did then. */
const PLAIN_VALUES: string[] = ["", "", "", ""];
let nextPlainValue = 0;

function checkedValue(name: string, value: unknown): string {
  const plain = PLAIN_VALUES;
  for (let i = 0; i < plain.length; i++) if (value === plain[i]) return plain[i]!;
  let text = String(value);
  if (!NEEDS_A_LOOK.test(text)) {
    // The usual value: nothing to trim, nothing forbidden.
    plain[nextPlainValue] = text;
    nextPlainValue = (nextPlainValue + 1) % plain.length;
    return text;
  }
  if (HAS_EDGE_WHITESPACE.test(text)) text = text.replace(HTTP_WHITESPACE, "");
  if (FORBIDDEN_VALUE_CHAR.test(text)) throw new TypeError(`Headers: invalid value for field ${JSON.stringify(name.slice(0, 64))}`);
  return text;
}

/** Names already checked, with their lowercase form: apps send the same few names again and again, and
 * whether a name is a token depends on the string alone. Bounded, then simply no longer filled. */
const CHECKED_NAMES = new Map<string, string>();
const MAX_CHECKED_NAMES = 256;

/** The last name checked and its lowercase form: a string cannot change, so the very same name (one
 * pointer test: an app passes the same literal each time) needs neither the Map nor the test. */
let lastName = "";
let lastLowerName = "";

function checkedName(name: string): string {
  if (name === lastName) return lastLowerName;
  const lower = checkedNameOnce(name);
  lastName = name;
  lastLowerName = lower;
  return lower;
}

function checkedNameOnce(name: string): string {
  const known = CHECKED_NAMES.get(name);
  if (known !== undefined) return known;
  if (!TOKEN.test(name)) throw new TypeError(`Headers: invalid field name ${JSON.stringify(String(name).slice(0, 64))}`);
  const lower = name.toLowerCase();
  if (CHECKED_NAMES.size < MAX_CHECKED_NAMES) CHECKED_NAMES.set(name, lower);
  return lower;
}

/** Field lines of a HeadersInit that is not a Headers: a record or a sequence of pairs. */
function flatFields(init: Record<string, string> | Iterable<readonly [string, string]>): string[] {
  if (typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
    const out: string[] = [];
    for (const pair of init as Iterable<readonly [string, string]>) {
      if (pair.length !== 2) throw new TypeError("Headers: a field pair must have exactly two items");
      const name = checkedName(String(pair[0]));
      out.push(name, checkedValue(name, pair[1]));
    }
    return out;
  }
  const keys = Object.keys(init);
  // Sized up front: a response's record is usually one or two fields, and growing an empty array to
  // take them costs more than the record's checks.
  const sized: string[] = new Array(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    const name = checkedName(keys[i]!);
    sized[2 * i] = name;
    sized[2 * i + 1] = checkedValue(name, (init as Record<string, string>)[keys[i]!]);
  }
  return sized;
}

function hasField(fields: readonly string[], name: string): boolean {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return true;
  return false;
}

/** Flat [name, value, …] fields as pairs. */
export function pairsOf(fields: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
  return pairs;
}

/** The constructor's work (see there). */
let construct: (response: WeftResponse, body: BodyInit | null | undefined, init: ResponseInit | undefined) => void;
/** `forMethod`: a forwarded method is about to run (`clone()`, `formData()`, `blob()` read the fields). */
let nativeOf: (response: WeftResponse, forMethod: boolean) => Response;
let partsOf: (response: WeftResponse) => SimpleParts | null;
let fromParts: (status: number, statusText: string, fields: string[], body: SimpleBody) => WeftResponse;

export class WeftResponse {
  /** Set for a response handed to the runtime at once (not simple), or built on first need. */
  #native: Response | null = null;
  #simple = false;
  #status = DEFAULT_STATUS;
  #statusText = "";
  #fields: string[] | null = null;
  #headers: Headers | null = null;
  #body: SimpleBody = null;
  #used = false;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    // The work is done outside the constructor, so that the constructor stays small enough for the
    // compiler to inline `new Response(…)` into a handler (no generic construct call per response).
    construct(this, body, init);
  }

  get status(): number {
    return this.#native !== null ? this.#native.status : this.#status;
  }

  get statusText(): string {
    return this.#native !== null ? this.#native.statusText : this.#statusText;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  get headers(): Headers {
    if (this.#headers !== null) return this.#headers;
    if (this.#native !== null) return (this.#headers = this.#native.headers);
    this.#headers = new NativeHeaders(pairsOf(this.#fields!));
    this.#fields = null;
    return this.#headers;
  }

  get type(): ResponseType {
    return this.#native !== null ? this.#native.type : "default";
  }

  get url(): string {
    return this.#native !== null ? this.#native.url : "";
  }

  get redirected(): boolean {
    return this.#native !== null ? this.#native.redirected : false;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#native === null && this.#body === null) return null;
    return nativeOf(this, false).body as ReadableStream<Uint8Array> | null;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#native !== null && this.#native.bodyUsed);
  }

  bytes(): Promise<Uint8Array> {
    if (this.#used) return Promise.reject(new TypeError(BODY_UNUSABLE));
    if (this.#native !== null) return this.#native.arrayBuffer().then((buffer) => new Uint8Array(buffer));
    const body = this.#body;
    // Fetch standard: a null body is never "used"; every read gives zero bytes.
    if (body === null) return Promise.resolve(new Uint8Array(0));
    this.#used = true;
    return Promise.resolve(typeof body === "string" ? encoder.encode(body) : body.slice());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes().then((bytes) => bytes.buffer as ArrayBuffer);
  }

  text(): Promise<string> {
    if (this.#native === null && !this.#used && typeof this.#body === "string") {
      this.#used = true;
      return Promise.resolve(this.#body);
    }
    return this.bytes().then((bytes) => decoder.decode(bytes));
  }

  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text));
  }

  /** True for WeftResponses and for the runtime's own Responses (so `x instanceof Response` keeps working
   * for fetch() results once this class is the global); subclasses keep the ordinary check. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this === WeftResponse) return value instanceof NativeResponse;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  static {
    construct = (response, body, init) => {
      if (!bodyIsSimple(body)) {
        response.#native = new NativeResponse(body, init);
        return;
      }
      const status = init?.status === undefined ? DEFAULT_STATUS : unsignedShort(init.status);
      if (status < MIN_STATUS || status > MAX_STATUS) {
        throw new RangeError(`Response: status ${String(init?.status).slice(0, 16)} is outside 200..599`);
      }
      const statusText = init?.statusText === undefined ? "" : String(init.statusText);
      if (statusText !== "" && BAD_REASON_CHAR.test(statusText)) throw new TypeError("Response: invalid statusText");
      const hasBody = body !== undefined && body !== null;
      if (hasBody && isNullBodyStatus(status)) throw new TypeError(`Response: a ${status} response cannot have a body`);
      const headers = init?.headers;
      if (headers instanceof NativeHeaders) response.#headers = new NativeHeaders(headers);
      else response.#fields = headers === undefined || headers === null ? [] : flatFields(headers as Record<string, string>);
      if (typeof body === "string") {
        if (response.#headers !== null) {
          if (!response.#headers.has(CONTENT_TYPE)) response.#headers.set(CONTENT_TYPE, TEXT_CONTENT_TYPE);
        } else if (!hasField(response.#fields!, CONTENT_TYPE)) {
          response.#fields!.push(CONTENT_TYPE, TEXT_CONTENT_TYPE);
        }
        response.#body = body;
      } else if (hasBody) {
        response.#body = copyBytes(body as ArrayBuffer | ArrayBufferView);
      }
      response.#status = status;
      response.#statusText = statusText;
      response.#simple = true;
    };
    nativeOf = (response, forMethod) => {
      const native = response.#native;
      if (native !== null) {
        // Headers handed out before the native response was built stay the ones `headers` returns; a
        // change made to them since must reach what clone(), formData() and blob() read.
        if (forMethod && response.#headers !== null && response.#headers !== native.headers) copyHeaders(native.headers, response.#headers);
        return native;
      }
      const headers = response.#headers ?? pairsOf(response.#fields!);
      const built = new NativeResponse(response.#body as BodyInit | null, { status: response.#status, statusText: response.#statusText, headers });
      // A body already read here is read in the native response too (read() disturbs its stream at once),
      // so `bodyUsed`, `clone()`, `blob()` and `formData()` answer as the Fetch standard says for a used
      // body instead of as if there never was one.
      if (response.#used) void built.body!.getReader().read();
      response.#native = built;
      return built;
    };
    fromParts = (status, statusText, fields, body) => {
      const response = new WeftResponse(null);
      response.#status = status;
      response.#statusText = statusText;
      response.#fields = fields;
      response.#body = body;
      return response;
    };
    partsOf = (response) => {
      if (!(#native in response)) return null; // a native Response (instanceof says yes to those too)
      if (response.#native !== null || !response.#simple || response.#used) return null;
      return { status: response.#status, fields: response.#fields, headers: response.#headers, body: response.#body };
    };
  }
}

// Every other member of the runtime's Response.prototype is forwarded to the native response.
forwardToNative(WeftResponse, NativeResponse, nativeOf);
// Statics (Response.json, Response.redirect, Response.error) are the runtime's own.
Object.setPrototypeOf(WeftResponse, NativeResponse);
Object.defineProperty(WeftResponse, "name", { value: "Response" });

/** The parts of a simple, unread WeftResponse; null for anything else (read it the ordinary way). */
export function simpleParts(response: Response): SimpleParts | null {
  return partsOf(response as unknown as WeftResponse);
}

/** A simple response made from parts a WeftResponse already checked (a pool worker's, in its "head"
 * message): nothing is checked or copied again. `fields` are flat, lowercase, with Content-Type. */
export function responseFromParts(status: number, statusText: string, fields: string[], body: string | Uint8Array | null): Response {
  return fromParts(status, statusText, fields, body) as unknown as Response;
}

/** Make WeftResponse the global `Response` (idempotent). Code that captured `Response` earlier keeps
 * the native class, whose instances weft reads the ordinary way. */
export function installWeftResponse(): void {
  if (globalThis.Response !== (WeftResponse as unknown as typeof Response)) {
    (globalThis as { Response: unknown }).Response = WeftResponse;
  }
}

/** The runtime's own Response class. */
export { NativeResponse };
