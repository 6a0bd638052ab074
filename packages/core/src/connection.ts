// One HTTP/1.1 connection, from accept to close (RFC 9112 §9), runtime-agnostic: the adapter feeds bytes
// in through `ConnectionEvents` and takes bytes out through `Transport` (ports.ts).
//
// Life of a request: bytes arrive (onData) → the parser cuts them into a head, body pieces and an end →
// on a head, an Exchange is queued and the handler is called at once (so pipelined requests run
// concurrently) → the one response loop (`respond`) writes exchanges strictly in queue order, whichever
// handler finished first (RFC 9112 §9.3.2) → after each response the connection either keeps going
// (keep-alive) or ends. Everything ready at the same moment goes out as one socket write.
//
// Backpressure, three ways, all through one set of pause reasons (`Pause`): a request body whose stream
// is full, too many pipelined requests, or a socket that will not take more bytes each pause reading;
// reading resumes when every reason is gone. A streaming response body is pulled only while the socket
// drains, so a slow reader costs at most about `connection.highWaterMark` bytes of memory.
//
// Unread request bodies: when a response is complete but its request body is not, the rest of the body
// is read and dropped if it is at most `connection.maxDiscardBodyBytes` (known from Content-Length, or
// counted as chunks arrive); beyond that the connection closes instead (as Go net/http does). A request
// that sent `Expect: 100-continue` and was answered without its body being asked for is closed after
// the response: the client may never send that body (RFC 9110 §10.1.1).
//
// Expect: 100-continue: "HTTP/1.1 100 Continue" is written when the handler first reads its body.
//
// Timers: ONE per connection (deadline.ts). Its meaning follows the phase (`Phase`), re-computed after
// every event; moving a deadline later only updates a number.

import { HttpError } from "./errors.ts";
import type { HttpErrorKind } from "./errors.ts";
import { BodySource, Exchange } from "./exchange.ts";
import type { BodyOwner } from "./exchange.ts";
import type { ConnectionOptions, Leniency, Limits, Timeouts } from "./options.ts";
import { createParser } from "./parser.ts";
import type { Parser, ParserCallbacks, RequestHead } from "./parser.ts";
import { Deadline } from "./deadline.ts";
import type { Clock } from "./deadline.ts";
export { SYSTEM_CLOCK } from "./deadline.ts";
export type { Clock } from "./deadline.ts";
import type { ConnectionEvents, Transport } from "./ports.ts";
import { buildRequest, methodTakesBody, serveInfo } from "./request.ts";
import { NativeResponse, simpleParts } from "./weft-response.ts";
import type { SimpleParts } from "./weft-response.ts";
import { collectBody, concat } from "./response-body.ts";
import { LAST_CHUNK, encodeChunk, errorResponseBytes, serializeFullResponse, serializeHead } from "./response.ts";
import type { SerializedResponse } from "./response.ts";
import type { AccessLogEntry, FetchHandler, ServeInfo } from "./types.ts";

/** Everything a connection needs from its server, resolved once per server. */
export interface ConnectionConfig {
  fetch: FetchHandler;
  limits: Limits;
  leniency: Leniency;
  timeouts: Timeouts;
  connection: ConnectionOptions;
  /** Authority for an HTTP/1.0 request without Host (the listening address). */
  fallbackHost: string;
  clock: Clock;
  onLog?: (entry: AccessLogEntry) => void;
  /** Pool mode: which worker produced a response, for the access log's `workerId`. */
  workerOf?: (response: Response) => number | undefined;
  /** A handler threw, rejected, returned something that is not a valid Response, or its body failed. */
  onHandlerError(error: unknown): void;
  /** Called once, when the socket is closed. */
  onClosed?(connection: Connection): void;
}

/**
 * Where the connection is, as far as its one timer cares. Computed from the facts (`phase()`), never
 * stored as the source of truth, so it cannot drift from them.
 * - Idle: nothing in flight, nothing half-read → keepAliveTimeout, then close quietly.
 * - ReadingHead: part of a head is in (or nothing yet on a new connection) → headersTimeout, then 408.
 * - ReadingBody: waiting for body bytes the handler wants → bodyTimeout between reads, then 408/close.
 * - Busy: handlers run or responses are written; the client owes nothing → no timer.
 * - WriteBlocked: the socket refused bytes (client not reading) → writeTimeout, then destroy.
 * - Closing: we sent FIN and read on until the peer's FIN (so unread bytes do not turn our close into a
 *   reset that could destroy the last response) → writeTimeout, then destroy.
 * - Closed.
 */
export const Phase = {
  Idle: "idle",
  ReadingHead: "reading-head",
  ReadingBody: "reading-body",
  Busy: "busy",
  WriteBlocked: "write-blocked",
  Closing: "closing",
  Closed: "closed",
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** Reasons to stop reading the socket (bit set). Reading resumes when none is left. */
const Pause = {
  /** The request body stream is full: the handler reads slower than the client sends. */
  Body: 1,
  /** maxPipelinedRequests exchanges are queued. */
  Pipeline: 2,
  /** The socket's write buffer is full (Transport.write returned false). */
  Write: 4,
  /** No further request will be read (parse error, refusal, server draining). Never cleared. */
  Stop: 8,
} as const;

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const INTERNAL_ERROR_STATUS = 500;
const BAD_REQUEST_STATUS = 400;
const NOT_IMPLEMENTED_STATUS = 501;
const INTERNAL_ERROR_BODY = new TextEncoder().encode("Internal Server Error\n");
/** The handler's Content-Length for a streamed body, when it is valid (RFC 9110 §8.6: 1*DIGIT). */
function declaredLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  if (value === null || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

const INTERNAL_ERROR_HEADERS: [string, string][] = [["content-type", "text/plain; charset=utf-8"]];
const NO_FIELDS: [string, string][] = [];
const NO_EXCHANGES: readonly Exchange[] = Object.freeze([]);
const textEncoder = new TextEncoder();

/** The last string body encoded, and its bytes: apps answer the same text again and again, and a string
 * cannot change, so equal text means equal bytes (the bytes are only ever copied into the output). */
let lastBodyText = "";
let lastBodyBytes: Uint8Array | null = null;

/** A simple response's body as bytes (null: empty). */
function bodyBytes(body: SimpleParts["body"]): Uint8Array | null {
  if (typeof body !== "string") return body;
  if (body === "") return null;
  if (body !== lastBodyText || lastBodyBytes === null) {
    lastBodyBytes = textEncoder.encode(body);
    lastBodyText = body;
  }
  return lastBodyBytes;
}
const HTTP_10 = "HTTP/1.0";
const HTTP_11 = "HTTP/1.1";
const NO_VALUE = "-";
const BODY_DISCARDED = "weft: the request body was discarded after the response";
const CLIENT_GONE = "weft: the connection closed before the request body was complete";
const statusOf = (kind: HttpErrorKind): number => new HttpError(kind).status;

/** Parsers kept for reuse per server config (see LentParser); more than this many spares are dropped. */
const MAX_SPARE_PARSERS = 32;
const spareParsers = new WeakMap<ConnectionConfig, LentParser[]>();

function sparesFor(config: ConnectionConfig): LentParser[] {
  let spares = spareParsers.get(config);
  if (spares === undefined) {
    spares = [];
    spareParsers.set(config, spares);
  }
  return spares;
}

/**
 * A parser and the one object of callbacks it calls, lent to a connection while part of a request is
 * unparsed. Between requests a parser holds nothing (`pristine`), so the connection gives it back: an
 * idle keep-alive connection holds no parser at all (issue 6: RSS per idle connection), and a busy
 * server reuses a few instead of making one per connection.
 */
class LentParser implements ParserCallbacks {
  connection: Connection | null = null;
  readonly parser: Parser;
  constructor(config: ConnectionConfig) {
    this.parser = createParser(this, { limits: config.limits, leniency: config.leniency });
  }
  onHead(head: RequestHead): void {
    this.connection!.parsedHead(head);
  }
  onBody(view: Uint8Array): void {
    this.connection!.parsedBody(view);
  }
  onEnd(): void {
    this.connection!.parsedBodyEnd();
  }
  onError(error: HttpError): void {
    this.connection!.parseFailed(error);
  }
}

export class Connection implements ConnectionEvents, BodyOwner {
  /** The parser while a request is partly read, else null (see LentParser, `parser()`). */
  private lent: LentParser | null = null;
  private readonly spares: LentParser[];
  private readonly info: ServeInfo;
  /** Exchanges in request order; [0] is the one being (or next to be) written. The shared empty
   * NO_EXCHANGES while there are none, so an idle connection holds no array of its own (issue 6). */
  private queue: readonly Exchange[] = NO_EXCHANGES;
  /** The exchange whose body the parser is reading, if any. */
  private reading: Exchange | null = null;
  /** Bytes received while parsing was paused (copied: the adapter's chunk is only lent). */
  private leftover: Uint8Array | null = null;
  /** Inside parser.feed: resuming must not re-enter it. */
  private feeding = false;
  private paused = 0;
  /** What we last told the adapter (pauseReading / resumeReading). */
  private transportPaused = false;
  /** Response bytes ready to go, written as one buffer by `flush` (null: none). */
  private out: Uint8Array[] | null = null;
  private outBytes = 0;
  /** The response loop is running (one at a time). */
  private responding = false;
  /** Wakes the response loop: an exchange became ready, the socket drained, or it closed. */
  private wake: (() => void) | null = null;
  /** The streaming response body being pulled, cancelled if the socket closes. */
  private activeReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private writeBlocked = false;
  /** The peer sent FIN: no request follows what is already received. */
  private peerEnded = false;
  private parserFinished = false;
  /** After the responses already decided, close (a refusal, a Connection: close, too much to discard). */
  private closeAfter = false;
  /** The server is shutting down: answer what is queued, the last with Connection: close. */
  private draining = false;
  /** We called transport.end(). */
  private ended = false;
  private closed = false;
  /** Heads parsed so far (a new head restarts the head timer even if the phase name is unchanged). */
  private heads = 0;

  /** The one timer (see `rearm`), the phase it was set for, and for ReadingHead which head. */
  private readonly deadline: Deadline;
  private timerPhase: Phase | null = null;
  private timerHeads = -1;

  constructor(
    private readonly transport: Transport,
    private readonly config: ConnectionConfig,
  ) {
    this.info = serveInfo(transport.remoteAddress, transport.remotePort);
    this.deadline = new Deadline(config.clock, this.expire, this);
    this.spares = sparesFor(config);
    this.rearm();
  }

  // =================================================================================================
  // Events from the adapter

  onData(chunk: Uint8Array): void {
    if (this.ended || this.closed) return; // lingering after our FIN: read and drop
    if (this.paused !== 0 || this.leftover !== null) {
      // The adapter may deliver a chunk it already had before our pause took effect.
      if ((this.paused & Pause.Stop) === 0) this.leftover = this.leftover === null ? copy(chunk) : (concat([this.leftover, chunk], this.leftover.byteLength + chunk.byteLength) as Uint8Array);
    } else {
      this.feed(chunk, true);
    }
    this.afterEvent();
  }

  onDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    this.notify();
    this.unpause(Pause.Write);
    this.afterEvent();
  }

  onEnd(): void {
    this.peerEnded = true;
    this.finishParserIfDone();
    this.afterEvent();
  }

  onClose(error?: unknown): void {
    void error; // a reset or socket error: nothing to answer any more
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    this.deadline.clear();
    const reading = this.reading;
    if (reading !== null && reading.stream !== null) {
      try {
        reading.stream.error(new TypeError(CLIENT_GONE));
      } catch {
        // already closed or errored
      }
      reading.stream = null;
    }
    this.reading = null;
    for (const exchange of this.queue) cancelCollected(exchange);
    if (this.activeReader !== null) this.activeReader.cancel().catch(ignore);
    this.notify();
    this.config.onClosed?.(this);
  }

  // =================================================================================================
  // Server control

  /** Graceful close: idle → close now; busy → finish what is queued, last response with Connection: close. */
  shutdown(): void {
    this.draining = true;
    this.afterEvent();
  }

  /** Close now, dropping whatever is unwritten. */
  destroy(): void {
    if (!this.closed) this.transport.destroy();
  }

  // =================================================================================================
  // Parsing (read → parse → dispatch)

  private feed(data: Uint8Array, borrowed: boolean): void {
    const parser = this.parser();
    this.feeding = true;
    try {
      let rest: Uint8Array | null = data;
      while (rest !== null) {
        const used = parser.feed(rest);
        const remaining: Uint8Array = rest.subarray(used);
        rest = null;
        if (remaining.byteLength === 0 || parser.failed || (this.paused & Pause.Stop) !== 0) break;
        if (this.paused !== 0) {
          this.leftover = borrowed ? copy(remaining) : remaining;
          break;
        }
        // A pause was lifted while we were inside feed (re-entrant resume): carry on.
        parser.resume();
        rest = remaining;
      }
    } finally {
      this.feeding = false;
    }
    // A reason may have come and gone while parsing (a body chunk filled the stream, the handler read it).
    if (this.paused === 0) parser.resume();
    this.returnParser();
    this.syncReading();
  }

  private enqueue(exchange: Exchange): void {
    if (this.queue === NO_EXCHANGES) this.queue = [exchange];
    else (this.queue as Exchange[]).push(exchange);
  }

  /** Drop the exchange just written; an emptied queue goes back to NO_EXCHANGES. */
  private dequeue(): void {
    if (this.queue.length === 1) this.queue = NO_EXCHANGES;
    else (this.queue as Exchange[]).shift();
  }

  /** The parser, borrowed from the spares (or made) if the connection holds none. */
  private parser(): Parser {
    let lent = this.lent;
    if (lent === null) {
      lent = this.spares.pop() ?? new LentParser(this.config);
      lent.connection = this;
      this.lent = lent;
    }
    return lent.parser;
  }

  /** Give the parser back once it holds nothing of a request: a new one would behave the same. */
  private returnParser(): void {
    const lent = this.lent;
    if (lent === null || !lent.parser.pristine) return;
    lent.connection = null;
    this.lent = null;
    if (this.spares.length < MAX_SPARE_PARSERS) this.spares.push(lent);
  }

  /** As the parser would answer: one not lent is pristine, so idle and not failed. */
  private parserIdle(): boolean {
    return this.lent === null || this.lent.parser.idle;
  }

  private parserFailed(): boolean {
    return this.lent !== null && this.lent.parser.failed;
  }

  // Called by the parser (through LentParser) while it is lent to this connection.

  parsedHead(head: RequestHead): void {
    this.heads++;
    if (this.draining && this.queue.length > 0) {
      // Shutting down: what is queued gets answered (the last with Connection: close); nothing new.
      this.stopReading();
      return;
    }
    const exchange = new Exchange(head, this.config.onLog ? this.config.clock.now() : 0);
    this.enqueue(exchange);
    if (head.method === "CONNECT") {
      // No tunnels yet: what follows a CONNECT head is not HTTP/1.1 we could parse (RFC 9110 §9.3.6).
      this.refuse(exchange, NOT_IMPLEMENTED_STATUS);
      return;
    }
    // An Upgrade request (h2c, websocket) is served as plain HTTP/1.1: RFC 9110 §7.8 lets a server
    // ignore Upgrade, and the client then sees no 101 and carries on (or fails its handshake cleanly).
    // A 501 would break clients that merely offer an upgrade (`curl --http2` sends Upgrade: h2c).
    let body: ReadableStream<Uint8Array> | null = null;
    if (head.bodyKind !== "none") {
      this.reading = exchange;
      if (methodTakesBody(head.method)) {
        // Size-based queue: at most highWaterMark bytes wait for the handler before reading pauses. With
        // Expect: 100-continue the mark is 0, so `pull` means "the handler reads" and triggers 100.
        const mark = head.expectContinue ? 0 : this.config.connection.highWaterMark;
        body = new ReadableStream<Uint8Array>(new BodySource(this, exchange), { highWaterMark: mark, size: byteLength });
      }
    }
    let request: Request;
    try {
      // Only an absolute-form target needs the URL check: otherwise the URL is built from a Host the
      // parser found to form one (request-head.ts) or from the listening address, and a target whose
      // characters the parser checked.
      request = buildRequest(head, body, this.config.fallbackHost, head.targetForm !== "absolute");
    } catch {
      this.refuse(exchange, BAD_REQUEST_STATUS); // a target the URL parser will not take
      return;
    }
    this.run(exchange, request);
    if (this.queue.length >= this.config.connection.maxPipelinedRequests) this.pause(Pause.Pipeline);
  }

  parsedBody(view: Uint8Array): void {
    const exchange = this.reading;
    if (exchange === null) return;
    exchange.received += view.byteLength;
    const stream = exchange.stream;
    if (stream === null) {
      exchange.discarded += view.byteLength;
      if (exchange.discarded > this.config.connection.maxDiscardBodyBytes) this.closeAfterResponses();
      return;
    }
    stream.enqueue(copy(view)); // the view points into a buffer the adapter reuses
    if ((stream.desiredSize ?? 0) <= 0) this.pause(Pause.Body);
  }

  parsedBodyEnd(): void {
    const exchange = this.reading;
    if (exchange === null) return;
    this.reading = null;
    exchange.bodyDone = true;
    if (exchange.stream !== null) {
      exchange.stream.close();
      exchange.stream = null;
    }
    this.unpause(Pause.Body);
  }

  parseFailed(error: HttpError): void {
    const exchange = this.reading;
    if (exchange !== null) {
      this.failBody(exchange, error.status);
    } else {
      const refusal = new Exchange(null, this.config.onLog ? this.config.clock.now() : 0);
      this.enqueue(refusal);
      this.refuse(refusal, error.status);
    }
    this.stopReading();
  }

  /** The request body broke (bad chunk, too large, timeout, client gone). The handler's stream errors;
   * if its response has not started, the refusal replaces it; either way the connection closes after. */
  private failBody(exchange: Exchange, status: number): void {
    this.reading = null;
    exchange.bodyDone = true;
    if (exchange.stream !== null) {
      try {
        exchange.stream.error(new HttpError(status === statusOf("body_timeout") ? "body_timeout" : "bad_chunk"));
      } catch {
        // already closed
      }
      exchange.stream = null;
    }
    if (!exchange.responseStarted && this.queue.includes(exchange)) this.refuse(exchange, status);
    else this.closeAfterResponses();
  }

  private refuse(exchange: Exchange, status: number): void {
    exchange.refusal = status;
    exchange.ready = true;
    cancelCollected(exchange);
    this.stopReading();
    this.notify();
  }

  /** Run the handler. A Response returned synchronously is taken at once (no promise, no microtask); a
   * promise is followed. Either way the result is picked up by the response loop. */
  private run(exchange: Exchange, request: Request): void {
    let result: Response | Promise<Response>;
    try {
      result = this.config.fetch(request, this.info);
    } catch (error) {
      this.handlerFailed(exchange, error);
      return;
    }
    if (result instanceof NativeResponse) this.accept(exchange, result);
    else Promise.resolve(result).then((response) => this.accept(exchange, response), (error: unknown) => this.handlerFailed(exchange, error));
  }

  /** The handler's Response: a simple one (weft-response.ts) is ready as it is; any other has its body
   * looked at first (response-body.ts). */
  private accept(exchange: Exchange, response: unknown): void {
    if (!(response instanceof NativeResponse)) {
      this.handlerFailed(exchange, new TypeError("weft: the handler must return a Response"));
      return;
    }
    const simple = simpleParts(response);
    if (exchange.refusal !== 0 || this.closed) {
      if (simple === null) response.body?.cancel().catch(ignore);
      return;
    }
    exchange.response = response;
    if (simple !== null) {
      exchange.simple = simple;
      exchange.ready = true;
      this.notify();
      return;
    }
    void this.collect(exchange, response);
  }

  private async collect(exchange: Exchange, response: Response): Promise<void> {
    try {
      exchange.collected = await collectBody(response.body, this.config.connection.highWaterMark);
      if (exchange.refusal !== 0 || this.closed) cancelCollected(exchange);
    } catch (error) {
      this.handlerFailed(exchange, error);
      return;
    }
    exchange.ready = true;
    this.notify();
  }

  /** The handler threw, rejected, returned something else than a Response, or its body failed: 500. */
  private handlerFailed(exchange: Exchange, error: unknown): void {
    if (exchange.refusal !== 0) return;
    this.reportHandlerError(error);
    exchange.response = null; // → 500
    exchange.simple = null;
    exchange.collected = null;
    exchange.ready = true;
    this.notify();
  }

  // =================================================================================================
  // Writing (write → keep-alive or close)

  /** The response loop: write exchanges in order, waiting for each to be ready. */
  private async respond(): Promise<void> {
    this.responding = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const exchange = this.queue[0]!;
        if (exchange.continueAsked && !exchange.continueSent) this.sendContinue(exchange);
        while (!exchange.ready && !this.closed) {
          this.flush(); // whatever is ready goes out before we wait
          this.afterEvent();
          await this.nextEvent();
        }
        if (this.closed) break;
        exchange.responseStarted = true;
        const written = this.writeExchange(exchange);
        // A buffered response is written synchronously: no await, so a pipelined batch stays one pass.
        const keepAlive = typeof written === "boolean" ? written : await written;
        this.dequeue();
        this.log(exchange);
        if (!keepAlive || !this.afterResponse(exchange)) {
          // This response ends the connection: requests behind it are dropped unanswered (their
          // clients see the close and may retry, RFC 9112 §9.3.1).
          for (const dropped of this.queue) cancelCollected(dropped);
          this.queue = NO_EXCHANGES;
          this.stopReading();
          break;
        }
        if (this.queue.length < this.config.connection.maxPipelinedRequests) this.unpause(Pause.Pipeline);
        while (this.writeBlocked && !this.closed) {
          this.flush();
          await this.nextEvent();
        }
      }
      this.flush();
    } catch (error) {
      // A bug in weft, not in the handler: never leave the socket hanging.
      this.config.onHandlerError(error);
      this.transport.destroy();
    } finally {
      this.responding = false;
    }
    this.afterEvent();
  }

  /** Writes one exchange; resolves whether the connection may stay open after it. */
  private writeExchange(exchange: Exchange): boolean | Promise<boolean> {
    if (exchange.refusal !== 0) {
      exchange.status = exchange.refusal;
      this.push(errorResponseBytes(exchange.refusal));
      return false;
    }
    if (exchange.simple !== null) return this.writeFull(exchange, bodyBytes(exchange.simple.body));
    const collected = exchange.collected;
    if (exchange.response === null || collected === null) return this.writeFull(exchange, null);
    if (collected.complete) return this.writeFull(exchange, collected.body);
    return this.writeStreamed(exchange);
  }

  /** Head and whole body in one buffer; the handler's response, or 500 when it failed. */
  private writeFull(exchange: Exchange, body: Uint8Array | null): boolean {
    const head = exchange.head!;
    const response = exchange.response;
    const keepAlive = this.keepAliveFor(exchange);
    let result: SerializedResponse | null = null;
    if (response !== null) {
      try {
        const simple = exchange.simple;
        result = simple !== null
          ? serializeFullResponse({ status: response.status, headers: simple.headers ?? NO_FIELDS, flatFields: simple.headers === null ? simple.fields : null, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive, bodyLength: null }, body)
          : serializeFullResponse({ status: response.status, headers: response.headers, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive, bodyLength: null }, body);
        exchange.status = response.status;
        exchange.bytes = result.framing === "length" && body !== null ? body.byteLength : 0;
      } catch (error) {
        this.config.onHandlerError(error); // InvalidResponseError: header injection or bad status
      }
    }
    if (result === null) {
      result = serializeFullResponse({ status: INTERNAL_ERROR_STATUS, headers: INTERNAL_ERROR_HEADERS, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive, bodyLength: null }, INTERNAL_ERROR_BODY);
      exchange.status = INTERNAL_ERROR_STATUS;
      exchange.bytes = result.framing === "length" ? INTERNAL_ERROR_BODY.byteLength : 0;
    }
    this.push(result.bytes);
    return result.keepAlive;
  }

  /** A live response body: head now, then each chunk as the handler produces it, pulled only while the
   * socket keeps up. Chunked for HTTP/1.1 (RFC 9112 §7.1); for HTTP/1.0, raw bytes then close. */
  private async writeStreamed(exchange: Exchange): Promise<boolean> {
    const head = exchange.head!;
    const response = exchange.response!;
    const collected = exchange.collected as Extract<typeof exchange.collected, { complete: false }>;
    const reader = collected.reader;
    // A Content-Length the handler declared for a streamed body (static files: the file's size) frames
    // it, so downloads show their size and HTTP/1.0 clients keep the connection. Weft still counts: it
    // never sends more than declared, and a body that ends short or runs long closes the connection, so
    // a wrong length cannot desynchronise the next response (RFC 9112 §6.3; node:http errors likewise).
    const declared = declaredLength(response.headers);
    let serialized: ReturnType<typeof serializeHead>;
    try {
      serialized = serializeHead({ status: response.status, headers: response.headers, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive: this.keepAliveFor(exchange), bodyLength: declared });
    } catch (error) {
      reader.cancel().catch(ignore);
      this.config.onHandlerError(error);
      exchange.response = null;
      return this.writeFull(exchange, null);
    }
    exchange.status = response.status;
    this.push(serialized.bytes);
    if (serialized.framing === "none") {
      reader.cancel().catch(ignore); // HEAD, 204, 304: the body is not sent
      return serialized.keepAlive;
    }
    const chunked = serialized.framing === "chunked";
    /** Bytes still owed under a declared Content-Length (null: not length-framed). */
    let owed = serialized.framing === "length" ? declared : null;
    /** Send one chunk; false when it ran past the declared length (what fits was sent). */
    const send = (chunk: Uint8Array): boolean => {
      if (owed === null) {
        this.pushBody(exchange, chunk, chunked);
        return true;
      }
      const fits = chunk.byteLength <= owed;
      this.pushBody(exchange, fits ? chunk : chunk.subarray(0, owed), false);
      owed -= fits ? chunk.byteLength : owed;
      return fits;
    };
    const overrun = (): false => {
      reader.cancel().catch(ignore);
      this.config.onHandlerError(new Error("weft: response body is longer than its Content-Length"));
      return false;
    };
    for (const chunk of collected.chunks) if (!send(chunk)) return overrun();
    this.flush();
    let pending = collected.pending;
    this.activeReader = reader;
    try {
      for (;;) {
        while (this.writeBlocked && !this.closed) await this.nextEvent();
        if (this.closed) return false;
        const result = await (pending ?? reader.read());
        pending = null;
        if (this.closed) return false;
        if (result.done) break;
        if (!(result.value instanceof Uint8Array)) throw new TypeError("weft: a response body chunk must be a Uint8Array");
        const fits = send(result.value);
        this.flush();
        if (!fits) return overrun();
      }
    } catch (error) {
      // Mid-stream failure: the head is out, so no 500 is possible. Close without the last chunk, so
      // the client sees a truncated body rather than a complete-looking one.
      this.reportHandlerError(error);
      reader.cancel().catch(ignore);
      return false;
    } finally {
      this.activeReader = null;
    }
    if (chunked) this.push(LAST_CHUNK);
    if (owed !== null && owed > 0) {
      this.config.onHandlerError(new Error("weft: response body is shorter than its Content-Length"));
      return false; // the client sees the connection close before the declared end: a truncated body
    }
    return serialized.keepAlive;
  }

  private pushBody(exchange: Exchange, chunk: Uint8Array, chunked: boolean): void {
    if (chunk.byteLength === 0) return;
    exchange.bytes += chunk.byteLength;
    this.push(chunked ? encodeChunk(chunk) : chunk);
  }

  /** Whether this response may announce keep-alive (before the handler's own Connection: close). */
  private keepAliveFor(exchange: Exchange): boolean {
    const head = exchange.head!;
    if (!head.keepAlive) return false;
    // The last response before a close (decided, shutting down, or after the peer's FIN): say so
    // (RFC 9112 §9.6). Earlier queued responses keep the connection for the ones behind them.
    if ((this.closeAfter || this.draining || this.peerEnded) && this.queue.length === 1) return false;
    // The client may be holding its body back for a 100 Continue it will not get (RFC 9110 §10.1.1).
    if (head.expectContinue && !exchange.continueSent && !exchange.bodyDone) return false;
    return true;
  }

  /** After a response: decide what happens to the rest of its request body. False: close. */
  private afterResponse(exchange: Exchange): boolean {
    if (exchange.bodyDone || exchange !== this.reading) return true;
    const stream = exchange.stream;
    if (stream !== null) {
      exchange.stream = null;
      try {
        stream.error(new TypeError(BODY_DISCARDED));
      } catch {
        // already closed
      }
    }
    this.unpause(Pause.Body);
    const limit = this.config.connection.maxDiscardBodyBytes;
    const head = exchange.head!;
    if (limit === 0) return false;
    if (head.bodyKind === "length" && head.contentLength - exchange.received + exchange.discarded > limit) return false;
    return exchange.discarded <= limit;
  }

  private sendContinue(exchange: Exchange): void {
    exchange.continueAsked = true;
    if (exchange.continueSent || exchange.responseStarted || this.queue[0] !== exchange) return; // sent in order by `respond`
    exchange.continueSent = true;
    this.push(CONTINUE);
    this.flush();
  }

  private push(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    if (this.out === null) this.out = [bytes];
    else this.out.push(bytes);
    this.outBytes += bytes.byteLength;
  }

  /** One socket write for everything queued. */
  private flush(): void {
    const out = this.out;
    if (out === null) return;
    const data = out.length === 1 ? out[0]! : joined(out, this.outBytes);
    this.out = null;
    this.outBytes = 0;
    if (this.closed) return;
    if (!this.transport.write(data)) {
      this.writeBlocked = true;
      this.pause(Pause.Write);
      this.rearm(); // writeTimeout runs from now
    }
  }

  private nextEvent(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }

  // =================================================================================================
  // Body stream callbacks (BodyOwner)

  bodyPulled(exchange: Exchange): void {
    if (this.closed) return;
    if (exchange.head!.expectContinue && !exchange.continueSent) this.sendContinue(exchange);
    if (exchange === this.reading) this.unpause(Pause.Body);
    this.afterEvent();
  }

  bodyCancelled(exchange: Exchange): void {
    if (this.closed) return;
    if (exchange === this.reading) this.unpause(Pause.Body);
    this.afterEvent();
  }

  // =================================================================================================
  // Pausing, ending, timers

  private pause(reason: number): void {
    this.paused |= reason;
    if (this.feeding) this.lent!.parser.pause(); // stop after the current callback; `feed` keeps the rest
    this.syncReading();
  }

  /** Lift one reason. Inside parser.feed only the bit is cleared: `feed` carries on and syncs after. */
  private unpause(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused !== 0 || this.feeding || this.closed) return;
    this.lent?.parser.resume(); // a parser not lent was never paused
    const leftover = this.leftover;
    if (leftover !== null) {
      this.leftover = null;
      this.feed(leftover, false);
    }
    this.finishParserIfDone();
    this.syncReading();
  }

  /** Make the socket's reading state match the pause reasons (calls the adapter only on a change). */
  private syncReading(): void {
    const pause = this.paused !== 0 && !this.ended;
    if (pause === this.transportPaused || this.closed) return;
    this.transportPaused = pause;
    if (pause) this.transport.pauseReading();
    else this.transport.resumeReading();
  }

  /** No further request will be read on this connection; close once the queue is answered. */
  private stopReading(): void {
    this.closeAfter = true;
    this.leftover = null;
    this.pause(Pause.Stop);
  }

  private closeAfterResponses(): void {
    this.stopReading();
    this.notify();
  }

  /** The peer's FIN is in and every byte before it parsed: a request cut short is an error. */
  private finishParserIfDone(): void {
    if (!this.peerEnded || this.parserFinished || this.leftover !== null || this.paused !== 0) return;
    this.parserFinished = true;
    this.parser().finish();
  }

  /** Called after every event: start the response loop, end the connection, or re-arm the timer. */
  private afterEvent(): void {
    if (this.closed) return;
    if (!this.responding && !this.ended) {
      if (this.queue.length > 0) {
        void this.respond();
        return;
      }
      const noMore = this.closeAfter || (this.peerEnded && this.reading === null) || (this.draining && this.parserIdle());
      if (noMore) {
        this.end();
        return;
      }
    }
    this.rearm();
  }

  private end(): void {
    this.ended = true;
    this.transport.end();
    // Read on (and drop) until the peer closes: see Phase.Closing.
    this.paused = 0;
    this.transportPaused = false;
    this.transport.resumeReading();
    this.rearm();
  }

  private phase(): Phase {
    if (this.closed) return Phase.Closed;
    if (this.ended) return Phase.Closing;
    if (this.writeBlocked) return Phase.WriteBlocked;
    const reading = this.reading;
    // A client holding its body back for "100 Continue" owes nothing yet: the handler has not asked.
    const heldBack = reading !== null && reading.head!.expectContinue && !reading.continueSent;
    if (reading !== null && (this.paused & (Pause.Body | Pause.Stop)) === 0 && !heldBack) return Phase.ReadingBody;
    if (reading === null && (this.paused & (Pause.Pipeline | Pause.Stop)) === 0 && !this.parserFailed() && (!this.parserIdle() || this.heads === 0)) {
      return Phase.ReadingHead;
    }
    if (this.queue.length > 0 || this.responding) return Phase.Busy;
    return Phase.Idle;
  }

  private timeoutFor(phase: Phase): number {
    const t = this.config.timeouts;
    switch (phase) {
      case Phase.Idle:
        return t.keepAliveTimeout;
      case Phase.ReadingHead:
        return t.headersTimeout;
      case Phase.ReadingBody:
        return t.bodyTimeout;
      case Phase.WriteBlocked:
      case Phase.Closing:
        return t.writeTimeout;
      default:
        return 0;
    }
  }

  /** Point the one timer at the current phase's deadline. Same phase (and, for ReadingHead and Idle, same
   * head): keep the deadline, except for ReadingBody, whose timeout is the gap between reads. */
  private rearm(): void {
    const phase = this.phase();
    // A new head since the timer was set restarts ReadingHead and Idle even when no event saw the phase
    // change in between (a synchronous handler is answered within the same onData).
    const perHead = phase === Phase.ReadingHead || phase === Phase.Idle;
    if (phase === this.timerPhase && phase !== Phase.ReadingBody && (!perHead || this.timerHeads === this.heads)) return;
    this.timerPhase = phase;
    this.timerHeads = this.heads;
    this.deadline.set(this.timeoutFor(phase));
  }

  /** The current phase's timeout ran out. */
  private expire(): void {
    if (this.closed) return;
    const phase = this.timerPhase;
    this.timerPhase = null;
    switch (phase) {
      case Phase.Idle:
        this.end(); // RFC 9112 §9.5: a server may close an idle connection at any time
        return;
      case Phase.ReadingHead: {
        const refusal = new Exchange(null, this.config.onLog ? this.config.clock.now() : 0);
        this.enqueue(refusal);
        this.refuse(refusal, statusOf("headers_timeout"));
        break;
      }
      case Phase.ReadingBody:
        if (this.reading !== null) this.failBody(this.reading, statusOf("body_timeout"));
        this.stopReading();
        break;
      case Phase.WriteBlocked:
      case Phase.Closing:
        this.transport.destroy();
        return;
    }
    this.afterEvent();
  }

  /** Report a handler failure, unless the client caused it (its body was refused, or it went away):
   * that is the client's doing, already answered or unanswerable, and would only flood the log. */
  private reportHandlerError(error: unknown): void {
    if (this.closed || error instanceof HttpError) return;
    this.config.onHandlerError(error);
  }

  private log(exchange: Exchange): void {
    const onLog = this.config.onLog;
    if (onLog === undefined) return;
    const head = exchange.head;
    onLog({
      remoteAddress: this.transport.remoteAddress,
      method: head?.method ?? NO_VALUE,
      target: head?.target ?? NO_VALUE,
      version: head === null ? NO_VALUE : head.versionMinor === 1 ? HTTP_11 : HTTP_10,
      status: exchange.status,
      bytes: exchange.bytes,
      startedAt: exchange.startedAt,
      durationMs: this.config.clock.now() - exchange.startedAt,
      workerId: exchange.response !== null ? this.config.workerOf?.(exchange.response) : undefined,
    });
  }
}

/** Queue size in bytes (a size function may be called with undefined by some runtimes' typings). */
function byteLength(chunk?: Uint8Array): number {
  return chunk === undefined ? 0 : chunk.byteLength;
}

function ignore(): void {}

/** The pieces as one buffer: a view over them when they lie back to back in one buffer (responses
 * serialized in a row share the response writer's slab), else a copy. */
function joined(pieces: Uint8Array[], total: number): Uint8Array {
  const first = pieces[0]!;
  let end = first.byteOffset + first.byteLength;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (piece.buffer !== first.buffer || piece.byteOffset !== end) return concat(pieces, total) as Uint8Array;
    end += piece.byteLength;
  }
  return new Uint8Array(first.buffer, first.byteOffset, total);
}

/** A copy that owns its memory. Not `.slice()`: on a Node Buffer that returns a view of the same memory. */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function cancelCollected(exchange: Exchange): void {
  const collected = exchange.collected;
  if (collected !== null && !collected.complete) collected.reader.cancel().catch(ignore);
}
