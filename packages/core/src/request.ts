// The handler's view of a request: a web-standard `Request`, built lazily over the parsed head.
//
// Constructing a full WHATWG Request per request is the expensive part of a fetch-style server (measured
// on this machine: ~6.6 µs on Node, ~5 µs on Deno, ~1.5 µs on Bun, more than weft's whole parse and
// write). Most handlers read only `method`, `url` and a header or two, so weft hands them a
// `WeftRequest`: an object whose prototype chain contains the runtime's own `Request.prototype`
// (`request instanceof Request` holds) and which answers the common parts itself:
// - `method`, `url`: strings computed from the head;
// - `headers`: a real `Headers`, built on first access from the field lines;
// - `body`, `bodyUsed`, `text()`, `arrayBuffer()`, `bytes()`, `json()`: over the connection's request body
//   (exchange.ts `RequestBody`), which makes a ReadableStream only when `body` is asked for; reading the
//   whole body takes its chunks without one (a ReadableStream costs ~4 µs on Node, where its constructor
//   makes it transferable).
// Everything else (`signal`, `clone()`, `formData()`, `blob()`, `cache`, `mode`, …) builds the runtime's
// own Request once ("the native request", with the same method, URL, fields and unread body) and
// forwards to it, so no part of the Request interface is missing. The forwarding list is read from the
// runtime's `Request.prototype` when this module loads, so a property added by a later runtime version
// is forwarded too.
//
// Known difference: runtime APIs that take a Request and read its internal slots (`new Request(request)`,
// `fetch(request)`, `caches.put`) need the native object: pass `request.clone()` (a native Request) or
// copy the parts (`new Request(request.url, { method: request.method, headers: request.headers, … })`).

import { copyHeaders, forwardToNative } from "./facade.ts";
import { concat } from "./response-body.ts";
import type { Fields } from "./fields.ts";
import type { ServeInfo } from "./types.ts";

/** The parts of a parsed head (parser.ts `RequestHead`) a Request is built from. */
export interface RequestHeadLike {
  method: string;
  target: string;
  targetForm: "origin" | "absolute" | "authority" | "asterisk";
  fields: Fields;
}

/** Field lines as [name, value] pairs, in order (the pool's job message carries these). */
export type FieldPairs = readonly (readonly [string, string])[];

const HOST_FIELD = "host";
const HTTP_SCHEME = "http://";
const BODY_UNUSABLE = "weft: the request body was already read (Body is unusable)";

/** The runtime's own Request class, captured before anything could replace the global. */
const NativeRequest: typeof Request = globalThis.Request;
const textDecoder = new TextDecoder();

/**
 * The URL a handler sees (RFC 9112 §3.3, reconstructing the target URI):
 * - origin-form: "http://" + Host + target. The parser has checked Host (exactly one, valid authority).
 * - absolute-form: the target as sent (§3.2.2: a server MUST accept it; Host is then ignored).
 * - asterisk-form (`OPTIONS *`): "http://" + Host + "/*": a URL cannot express "*", and handlers can
 *   still tell it apart by the path.
 * `fallbackHost` (the listening address) stands in for the authority of an HTTP/1.0 request without Host.
 */
export function requestUrl(head: RequestHeadLike, fallbackHost: string): string {
  if (head.targetForm === "absolute") return head.target;
  const host = head.fields.get(HOST_FIELD) || fallbackHost;
  const path = head.targetForm === "asterisk" ? "/*" : head.target;
  // The same host and path as the last URL built (a client asking again: with a repeated head these are
  // the very same strings, one pointer test each): the same URL, the very same string.
  if (host === lastUrlHost && path === lastUrlPath) return lastUrl;
  lastUrlHost = host;
  lastUrlPath = path;
  return (lastUrl = HTTP_SCHEME + host + path);
}
let lastUrlHost = "";
let lastUrlPath = "";
let lastUrl = "";

/** Whether a Request built for `method` carries the wire body (GET and HEAD cannot have one). */
export function methodTakesBody(method: string): boolean {
  // GET and HEAD may not carry a body in a web Request (Fetch standard, "Request constructor" step 36).
  return method !== "GET" && method !== "HEAD";
}

/**
 * The handler's Request over a parsed head. `body` is the request-body stream, or null when the request
 * has none. A GET or HEAD request that carries a body (allowed on the wire, RFC 9110 §9.3.1) cannot have
 * one in a web Request: the handler sees no body and the connection discards it after the response (see
 * connection.ts, "Unread request bodies"). Throws (TypeError) if the URL is not one `Request` accepts:
 * `URL.canParse` is asked unless `trustedUrl` says this URL's authority was already found good.
 */
export function buildRequest(head: RequestHeadLike, body: ReadableStream<Uint8Array> | LazyBody | null, fallbackHost: string, trustedUrl = false): Request {
  const url = requestUrl(head, fallbackHost);
  if (!trustedUrl && !URL.canParse(url)) throw new TypeError("weft: the request target does not form a valid URL");
  return new WeftRequest(head.method, url, head.fields, methodTakesBody(head.method) ? body : null) as unknown as Request;
}

/**
 * A request body as WeftRequest reads it. The connection's `RequestBody` (exchange.ts) makes its stream
 * only when asked; a body that already is a stream (a pool worker's, a test's) is wrapped in `StreamBody`.
 */
export interface LazyBody {
  /** The body as a stream, the same one every time (made on the first call). */
  stream(): ReadableStream<Uint8Array>;
  /** The whole body in one buffer. Only once, and only while `locked` is false. */
  readAll(): Promise<Uint8Array>;
  /** Read already: its stream has a reader, or readAll was called. */
  readonly locked: boolean;
}

/** A body that is a stream from the start. */
class StreamBody implements LazyBody {
  constructor(private readonly body: ReadableStream<Uint8Array>) {}
  stream(): ReadableStream<Uint8Array> {
    return this.body;
  }
  readAll(): Promise<Uint8Array> {
    return readStream(this.body);
  }
  get locked(): boolean {
    return this.body.locked;
  }
}

function lazyBody(body: ReadableStream<Uint8Array> | LazyBody | null): LazyBody | null {
  return body === null || !(body instanceof ReadableStream) ? body : new StreamBody(body);
}

/** Read a whole body stream into one buffer. */
async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  return concat(chunks, total) ?? new Uint8Array(0);
}

/**
 * The body a native Request gets when the wire body is already gone (read here, or its stream locked by
 * the handler): an empty stream that `spend` then disturbs, so the native request answers `bodyUsed`,
 * `clone()`, `formData()` and `blob()` as the Fetch standard says for a used body instead of as if the
 * request never had one.
 */
function spentBody(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

function spend(native: Request): void {
  // read() marks the stream disturbed at once; its result (end of stream) does not matter.
  void native.body!.getReader().read();
}

/**
 * The native Request behind a WeftRequest, and its field lines (both set in the class's static block).
 * `forMethod`: a forwarded method is about to run (`clone()`, `formData()`, `blob()` read the fields).
 */
let nativeOf: (request: WeftRequest, forMethod: boolean) => Request;
let ownFieldPairs: (request: WeftRequest) => FieldPairs;

/**
 * A Request whose parts are computed on demand (see the file comment). Created by weft for its handlers
 * (`buildRequest`, and on pool workers from the job message); `instanceof Request` is true.
 */
export class WeftRequest {
  #method: string;
  #url: string;
  /** Field lines: the parser's Fields on the main thread, pairs on a pool worker. */
  #fields: Fields | FieldPairs;
  #body: LazyBody | null;
  #headers: Headers | null = null;
  #native: Request | null = null;
  /** Read through text()/arrayBuffer()/bytes()/json() here (the native request was not involved). */
  #used = false;

  constructor(method: string, url: string, fields: Fields | FieldPairs, body: ReadableStream<Uint8Array> | LazyBody | null) {
    this.#method = method;
    this.#url = url;
    this.#fields = fields;
    this.#body = lazyBody(body);
  }

  get method(): string {
    return this.#method;
  }

  get url(): string {
    return this.#url;
  }

  /** A real Headers (case-insensitive, repeats joined, Set-Cookie kept apart), built on first access. */
  get headers(): Headers {
    return (this.#headers ??= this.#native !== null ? this.#native.headers : new Headers(fieldPairs(this.#fields) as [string, string][]));
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#native !== null) return this.#native.body as ReadableStream<Uint8Array> | null;
    return this.#body === null ? null : this.#body.stream();
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#native !== null && this.#native.bodyUsed);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes().then((bytes) =>
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer),
    );
  }

  bytes(): Promise<Uint8Array> {
    if (this.#used) return Promise.reject(new TypeError(BODY_UNUSABLE));
    if (this.#native !== null) return this.#native.arrayBuffer().then((buffer) => new Uint8Array(buffer));
    // Fetch standard: a null body is never "used"; every read gives zero bytes.
    if (this.#body === null) return Promise.resolve(new Uint8Array(0));
    if (this.#body.locked) return Promise.reject(new TypeError(BODY_UNUSABLE));
    this.#used = true;
    return this.#body.readAll();
  }

  text(): Promise<string> {
    return this.bytes().then((bytes) => textDecoder.decode(bytes));
  }

  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text));
  }

  /** Node's util.inspect would otherwise build the native request just to print it. */
  [Symbol.for("nodejs.util.inspect.custom")](): object {
    return { method: this.#method, url: this.#url, headers: this.headers, bodyUsed: this.bodyUsed };
  }

  static {
    nativeOf = (request, forMethod) => {
      const native = request.#native;
      if (native !== null) {
        // The handler's Headers (built before the native request) stay the ones `headers` returns; a
        // change made to them since must reach what clone(), formData() and blob() read.
        if (forMethod && request.#headers !== null && request.#headers !== native.headers) copyHeaders(native.headers, request.#headers);
        return native;
      }
      const init: RequestInit & { duplex?: "half" } = { method: request.#method, headers: request.#headers ?? (fieldPairs(request.#fields) as [string, string][]) };
      const body = request.#body;
      const spent = body !== null && (request.#used || body.locked);
      if (body !== null) {
        init.body = spent ? spentBody() : body.stream();
        // Fetch standard: a stream body needs `duplex: "half"` (the request is sent before the response).
        init.duplex = "half";
      }
      request.#native = new NativeRequest(request.#url, init);
      if (spent) spend(request.#native);
      return request.#native;
    };
    // Headers already built may have been changed by the handler: then they are the truth.
    ownFieldPairs = (request) => (request.#headers !== null || request.#native !== null ? [...request.headers] : fieldPairs(request.#fields));
  }
}

/** The field lines as [name, value] pairs, in order. A Headers built from pairs appends each once. */
function fieldPairs(fields: Fields | FieldPairs): FieldPairs {
  if (Array.isArray(fields)) return fields as FieldPairs;
  const source = fields as Fields;
  const pairs: [string, string][] = new Array(source.length);
  for (let i = 0; i < source.length; i++) pairs[i] = [source.name(i), source.value(i)];
  return pairs;
}

/** A request's field lines as pairs without building its Headers, when weft made it (pool dispatch). */
export function requestFieldPairs(request: Request): FieldPairs {
  if (request instanceof WeftRequest) return ownFieldPairs(request);
  return [...request.headers];
}

// Every other member of the runtime's Request.prototype (getters and methods) is forwarded to the native
// request. Own members above win; `constructor` stays WeftRequest's.
forwardToNative(WeftRequest, NativeRequest, nativeOf);

/** One `info` object per connection, shared by all its requests (the shape of Deno's serve()). */
export function serveInfo(hostname: string, port: number): ServeInfo {
  return { remoteAddr: { transport: "tcp", hostname, port } };
}
