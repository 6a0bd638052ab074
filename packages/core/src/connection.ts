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
// Timers: ONE deadline per connection (deadline.ts; the connection is its own list entry). Its meaning
// follows the phase (`Phase`), re-computed after every event; moving a deadline later only updates a
// number and a few links.
//
// Memory: an idle keep-alive connection is one object of eight slots (see `Connection`), because a
// server holds thousands of them (issue 6: KiB of RSS per idle connection).

import { HttpError } from "./errors.ts";
import type { HttpErrorKind } from "./errors.ts";
import { Exchange, RequestBody } from "./exchange.ts";
import type { BodyOwner } from "./exchange.ts";
import type { ConnectionOptions, Leniency, Limits, Timeouts } from "./options.ts";
import { createParser } from "./parser.ts";
import type { Parser, ParserCallbacks, RequestHead } from "./parser.ts";
import { DeadlineEntry, DeadlineGroup } from "./deadline.ts";
import type { Clock } from "./deadline.ts";
export { SYSTEM_CLOCK } from "./deadline.ts";
export type { Clock } from "./deadline.ts";
import type { ConnectionEvents, Transport } from "./ports.ts";
import { buildRequest, methodTakesBody } from "./request.ts";
import { NativeResponse, simpleParts } from "./weft-response.ts";
import type { SimpleParts } from "./weft-response.ts";
import { collectBody, concat } from "./response-body.ts";
import { LAST_CHUNK, encodeChunk, errorResponseBytes, serializeFullResponse, serializeHead } from "./response.ts";
import type { SerializedResponse } from "./response.ts";
import type { AccessLogEntry, FetchHandler, ServeInfo } from "./types.ts";

/** Everything a connection needs from its server, resolved once per server. */
export interface ConnectionConfig {
  fetch: FetchHandler;
  /** When set (pool mode), used instead of `fetch`: the same answer through a callback, called exactly
   * once, without a promise and its microtask per request. */
  submit?: (request: Request, info: ServeInfo, answer: (response: Response) => void) => void;
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
 * Internally the same phases are `PhaseCode`s (numbers, so the timer's phase fits in a few bits).
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
/** A simple response (weft-response.ts) for `head`, with `status` (the Response's) and `body` (its body
 * as bytes), head and body in one buffer. Throws InvalidResponseError for a field weft refuses. */
function serializeSimple(head: RequestHead, status: number, simple: SimpleParts, body: Uint8Array | null, keepAlive: boolean, now: number | undefined): SerializedResponse {
  return serializeFullResponse({ status, headers: simple.headers ?? NO_FIELDS, flatFields: simple.headers === null ? simple.fields : null, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive, bodyLength: null, nowMs: now }, body);
}
/** Body bytes a whole response carries, for the access log (none when its framing leaves the body out). */
function bodyBytesSent(serialized: SerializedResponse, body: Uint8Array | null): number {
  return serialized.framing === "length" && body !== null ? body.byteLength : 0;
}
const HTTP_10 = "HTTP/1.0";
const HTTP_11 = "HTTP/1.1";
const NO_VALUE = "-";
const BODY_DISCARDED = "weft: the request body was discarded after the response";
const CLIENT_GONE = "weft: the connection closed before the request body was complete";
const statusOf = (kind: HttpErrorKind): number => new HttpError(kind).status;
/** afterWritten's answer when a response ends the connection. */
const STOP = Symbol("stop");

/**
 * The handler's `info`, one per request (an idle connection holds none). `remoteAddr` is read from the
 * transport when first asked for, as Deno's built-in server's handler info does (a getter on the
 * prototype): on Bun, reading a socket's remoteAddress keeps a string on the socket for as long as it
 * lives.
 */
class RequestInfo implements ServeInfo {
  private address: ServeInfo["remoteAddr"] | null = null;
  constructor(private readonly transport: Transport) {}
  get remoteAddr(): ServeInfo["remoteAddr"] {
    return (this.address ??= { transport: "tcp", hostname: this.transport.remoteAddress, port: this.transport.remotePort });
  }
}

/** Parsers kept for reuse per server config (see LentParser); more than this many spares are dropped. */
const MAX_SPARE_PARSERS = 32;

/** What the connections of one config share: spare parsers, and their deadlines' group (which is also
 * the registry of the open connections: `openConnections`). Found from the config, so a connection
 * needs no field for it. */
class Shared {
  readonly spares: LentParser[] = [];
  /** Work objects given back by connections gone idle (all fields at their defaults), reused so a
   * keep-alive request does not allocate one. At most MAX_SPARE_PARSERS. */
  readonly spareWork: Work[] = [];
  readonly deadlines: DeadlineGroup;
  constructor(config: ConnectionConfig) {
    this.deadlines = new DeadlineGroup(config.clock);
  }
}
const sharedByConfig = new WeakMap<ConnectionConfig, Shared>();
/** The last config looked up and its Shared: a process usually serves one config, so the lookups done
 * per request (borrowing a parser, moving a deadline) rarely need the WeakMap. */
let lastConfig: ConnectionConfig | null = null;
let lastShared: Shared | null = null;

function sharedOf(config: ConnectionConfig): Shared {
  if (config === lastConfig) return lastShared!;
  let shared = sharedByConfig.get(config);
  if (shared === undefined) {
    shared = new Shared(config);
    sharedByConfig.set(config, shared);
  }
  lastConfig = config;
  lastShared = shared;
  return shared;
}

/** The connections of `config` not closed yet (a new array), for a server's shutdown. */
export function openConnections(config: ConnectionConfig): Connection[] {
  return sharedOf(config).deadlines.entries() as Connection[];
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
  /** Where it goes back to (its config's spares). */
  readonly spares: LentParser[];
  constructor(config: ConnectionConfig, spares: LentParser[]) {
    this.spares = spares;
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

/** The per-request half of a connection's state (every field at its default when nothing is in
 * progress), taken on the first byte of a request and given back once the connection is idle again
 * (Shared.spareWork): an idle keep-alive connection holds none of these slots (issue 6). */
class Work {
  /** The parser while a request is partly read, else null (see LentParser, `parser()`). */
  lent: LentParser | null = null;
  /** Exchanges in request order; [0] is the one being (or next to be) written. The shared empty
   * NO_EXCHANGES while there are none. */
  queue: readonly Exchange[] = NO_EXCHANGES;
  /** The exchange whose body the parser is reading, if any. */
  reading: Exchange | null = null;
  /** Bytes received while parsing was paused (copied: the adapter's chunk is only lent). */
  leftover: Uint8Array | null = null;
  /** Response bytes ready to go, written as one buffer by `flush` (null: none). */
  out: Uint8Array[] | null = null;
  outBytes = 0;
  /** Wakes the response loop: an exchange became ready, the socket drained, or it closed. */
  wake: (() => void) | null = null;
  /** The streaming response body being pulled, cancelled if the socket closes. */
  activeReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
}

/** Bits of `Connection.state`: the Pause reasons (bits 0-3), these flags, and the timer's phase. */
const Flag = {
  /** Inside parser.feed: resuming must not re-enter it. */
  Feeding: 1 << 4,
  /** What we last told the adapter (pauseReading / resumeReading). */
  TransportPaused: 1 << 5,
  /** The response loop is running (one at a time). */
  Responding: 1 << 6,
  WriteBlocked: 1 << 7,
  /** The peer sent FIN: no request follows what is already received. */
  PeerEnded: 1 << 8,
  ParserFinished: 1 << 9,
  /** After the responses already decided, close (a refusal, a Connection: close, too much to discard). */
  CloseAfter: 1 << 10,
  /** The server is shutting down: answer what is queued, the last with Connection: close. */
  Draining: 1 << 11,
  /** We called transport.end(). */
  Ended: 1 << 12,
  Closed: 1 << 13,
  /** A head was parsed since the timer was last set (it restarts the head timer even if the phase
   * name is unchanged). */
  NewHead: 1 << 14,
  /** At least one head was parsed on this connection. */
  SawHead: 1 << 15,
  /** becameReady queued a start of the response loop (bit 19: the timer's phase sits in 16-18). */
  StartQueued: 1 << 19,
} as const;
const PAUSE_BITS = 0b1111;
/** The phase the timer was set for (a PhaseCode, 0: none) sits in bits 16-18. */
const TIMER_SHIFT = 16;
const TIMER_BITS = 0b111 << TIMER_SHIFT;

/** The fast lane (`answerRepeated`) starts only when `state` has no bit but these: nothing paused,
 * pending, ending or failed, only what every kept-alive connection carries. */
const LANE_STATE_BITS = Flag.SawHead | TIMER_BITS;
/** While the lane's handler ran, these may have been set by the lane itself; any other bit means an
 * event came meanwhile, and the ordinary path takes over. */
const LANE_BUSY_BITS = LANE_STATE_BITS | Flag.NewHead | Flag.Responding;

/** `Phase` as small numbers, so the timer's phase fits in `state`. */
const PhaseCode = { Idle: 1, ReadingHead: 2, ReadingBody: 3, Busy: 4, WriteBlocked: 5, Closing: 6, Closed: 7 } as const;
type PhaseCode = (typeof PhaseCode)[keyof typeof PhaseCode];

/** Memory per idle connection (issue 6): a Connection is one object of eight slots (its transport, its
 * config, `state`, `work`, and its deadline's four), because thousands of idle keep-alive connections
 * are each that object. So the booleans are bits of `state` (the accessors below keep the code reading
 * as fields), per-request state lives in a `Work` made and dropped as requests come and go, the
 * deadline is this object itself (DeadlineEntry), and `info` is made per request. */
export class Connection extends DeadlineEntry implements ConnectionEvents, BodyOwner {
  /** Pause reasons, `Flag`s and the timer's phase (see above). */
  private state = 0;
  /** Per-request state, null while idle (see Work). */
  private work: Work | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly config: ConnectionConfig,
  ) {
    super();
    this.rearm();
  }

  // ---- Work's fields, read as defaults while there is no Work; writing a default makes none --------
  private busy(): Work {
    return (this.work ??= sharedOf(this.config).spareWork.pop() ?? new Work());
  }
  private get lent(): LentParser | null { return this.work === null ? null : this.work.lent; }
  private set lent(v: LentParser | null) { if (v !== null || this.work !== null) this.busy().lent = v; }
  private get queue(): readonly Exchange[] { return this.work === null ? NO_EXCHANGES : this.work.queue; }
  private set queue(v: readonly Exchange[]) { if (v !== NO_EXCHANGES || this.work !== null) this.busy().queue = v; }
  private get reading(): Exchange | null { return this.work === null ? null : this.work.reading; }
  private set reading(v: Exchange | null) { if (v !== null || this.work !== null) this.busy().reading = v; }
  private get leftover(): Uint8Array | null { return this.work === null ? null : this.work.leftover; }
  private set leftover(v: Uint8Array | null) { if (v !== null || this.work !== null) this.busy().leftover = v; }
  private get out(): Uint8Array[] | null { return this.work === null ? null : this.work.out; }
  private set out(v: Uint8Array[] | null) { if (v !== null || this.work !== null) this.busy().out = v; }
  private get outBytes(): number { return this.work === null ? 0 : this.work.outBytes; }
  private set outBytes(v: number) { if (v !== 0 || this.work !== null) this.busy().outBytes = v; }
  private get wake(): (() => void) | null { return this.work === null ? null : this.work.wake; }
  private set wake(v: (() => void) | null) { if (v !== null || this.work !== null) this.busy().wake = v; }
  private get activeReader(): ReadableStreamDefaultReader<Uint8Array> | null { return this.work === null ? null : this.work.activeReader; }
  private set activeReader(v: ReadableStreamDefaultReader<Uint8Array> | null) { if (v !== null || this.work !== null) this.busy().activeReader = v; }

  /** Drop the Work once nothing in it is in use (called after every event). */
  private releaseWork(): void {
    const work = this.work;
    if (work === null || work.lent !== null || work.queue !== NO_EXCHANGES || work.reading !== null || work.leftover !== null || work.out !== null || work.outBytes !== 0 || work.wake !== null || work.activeReader !== null) return;
    this.work = null;
    const spares = sharedOf(this.config).spareWork;
    if (spares.length < MAX_SPARE_PARSERS) spares.push(work);
  }

  // ---- `state`'s bits as fields ---------------------------------------------------------------------
  private flag(bit: number, on: boolean): void {
    this.state = on ? this.state | bit : this.state & ~bit;
  }
  private get paused(): number { return this.state & PAUSE_BITS; }
  private set paused(v: number) { this.state = (this.state & ~PAUSE_BITS) | v; }
  private get feeding(): boolean { return (this.state & Flag.Feeding) !== 0; }
  private set feeding(on: boolean) { this.flag(Flag.Feeding, on); }
  private get transportPaused(): boolean { return (this.state & Flag.TransportPaused) !== 0; }
  private set transportPaused(on: boolean) { this.flag(Flag.TransportPaused, on); }
  private get responding(): boolean { return (this.state & Flag.Responding) !== 0; }
  private set responding(on: boolean) { this.flag(Flag.Responding, on); }
  private get writeBlocked(): boolean { return (this.state & Flag.WriteBlocked) !== 0; }
  private set writeBlocked(on: boolean) { this.flag(Flag.WriteBlocked, on); }
  private get peerEnded(): boolean { return (this.state & Flag.PeerEnded) !== 0; }
  private set peerEnded(on: boolean) { this.flag(Flag.PeerEnded, on); }
  private get parserFinished(): boolean { return (this.state & Flag.ParserFinished) !== 0; }
  private set parserFinished(on: boolean) { this.flag(Flag.ParserFinished, on); }
  private get closeAfter(): boolean { return (this.state & Flag.CloseAfter) !== 0; }
  private set closeAfter(on: boolean) { this.flag(Flag.CloseAfter, on); }
  private get draining(): boolean { return (this.state & Flag.Draining) !== 0; }
  private set draining(on: boolean) { this.flag(Flag.Draining, on); }
  private get ended(): boolean { return (this.state & Flag.Ended) !== 0; }
  private set ended(on: boolean) { this.flag(Flag.Ended, on); }
  private get closed(): boolean { return (this.state & Flag.Closed) !== 0; }
  private set closed(on: boolean) { this.flag(Flag.Closed, on); }
  /** The phase the timer was set for (0: none). */
  private get timerPhase(): PhaseCode | 0 { return ((this.state & TIMER_BITS) >>> TIMER_SHIFT) as PhaseCode | 0; }
  private set timerPhase(code: PhaseCode | 0) { this.state = (this.state & ~TIMER_BITS) | (code << TIMER_SHIFT); }

  // =================================================================================================
  // Events from the adapter

  onData(chunk: Uint8Array): void {
    const state = this.state;
    if ((state & ~LANE_STATE_BITS) === 0 && this.work === null && this.answerRepeated(chunk)) return;
    if ((state & (Flag.Ended | Flag.Closed)) !== 0) return; // lingering after our FIN: read and drop
    if ((state & PAUSE_BITS) !== 0 || this.leftover !== null) {
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
    this.clearDeadline();
    const reading = this.reading;
    if (reading !== null && reading.requestBody !== null) {
      try {
        reading.requestBody.error(new TypeError(CLIENT_GONE));
      } catch {
        // already closed or errored
      }
      reading.requestBody = null;
    }
    this.reading = null;
    for (const exchange of this.queue) cancelCollected(exchange);
    if (this.activeReader !== null) this.activeReader.cancel().catch(ignore);
    this.notify();
    this.config.onClosed?.(this);
  }

  // =================================================================================================
  // The fast lane: a keep-alive client asking the same thing again

  /**
   * Answers `chunk` without the queue, the Work or the response loop, when it can be answered exactly as
   * they would: the connection is idle with nothing pending (checked by onData), the chunk is exactly the
   * last head the parser handed out, whole and bodyless (`Parser.repeatedRequest`), and the handler
   * returns a simple response synchronously that keeps the connection. What a benchmark's client does,
   * and what most keep-alive traffic looks like. It halves core's JavaScript per such request
   * (`bench:connection`, BENCHMARKS.md).
   *
   * False: nothing was read, and onData goes the ordinary way. Once the handler has been called, any other
   * outcome (a throw, a promise, a body to collect, a Connection: close, a field weft refuses, a server
   * shutting down meanwhile) is handed to the ordinary path as the exchange it would have queued
   * (`adopt`), so the answer is the same either way.
   */
  private answerRepeated(chunk: Uint8Array): boolean {
    const config = this.config;
    // Not with a pool (its answers come later), nor when a request waiting for its answer must pause
    // reading (maxPipelinedRequests 1): the lane queues nothing, so it never pauses for the pipeline.
    if (config.submit !== undefined || config.connection.maxPipelinedRequests < 2) return false;
    const spares = sharedOf(config).spares;
    if (spares.length === 0) return false;
    // The parser the ordinary path would borrow (the last spare), asked without borrowing it.
    const head = spares[spares.length - 1]!.parser.repeatedRequest(chunk);
    if (head === null || !head.keepAlive || head.method === "CONNECT" || head.targetForm === "absolute") return false;
    // Responding while the handler runs: its answer is taken here (becameReady starts nothing), and an
    // event meanwhile (a shutdown from inside the handler) leaves the answer to us.
    this.state |= Flag.NewHead | Flag.SawHead | Flag.Responding;
    const startedAt = config.onLog ? config.clock.now() : 0;
    let result: Response | Promise<Response>;
    try {
      // The URL is trusted as in parsedHead: not absolute-form.
      result = config.fetch(buildRequest(head, null, config.fallbackHost, true), new RequestInfo(this.transport));
    } catch (error) {
      this.adopt(head, startedAt, error, true);
      return true;
    }
    const response = result instanceof NativeResponse ? result : null;
    const simple = response !== null && (this.state & ~LANE_BUSY_BITS) === 0 ? simpleParts(response) : null;
    if (response === null || simple === null) {
      this.adopt(head, startedAt, result, false);
      return true;
    }
    const status = response.status; // as writeFull reads it
    const now = config.clock.now();
    const body = bodyBytes(simple.body);
    let serialized: SerializedResponse | null = null;
    try {
      serialized = serializeSimple(head, status, simple, body, true, now);
    } catch {
      // A field weft refuses: the ordinary path serializes it again, reports it and answers 500.
    }
    if (serialized === null || !serialized.keepAlive) {
      this.adopt(head, startedAt, result, false);
      return true;
    }
    this.state &= ~Flag.Responding;
    if (config.onLog !== undefined) this.logEntry(head, status, bodyBytesSent(serialized, body), startedAt, response);
    if (!this.transport.write(serialized.bytes)) this.writeRefused();
    this.rearm(now);
    return true;
  }

  /** The lane's request, handed to the ordinary path: queued as parsedHead queues it, with what the
   * handler returned (or, `threw`, what it threw) taken as `run` takes it, then the response loop as
   * after any event. One exchange is queued, so with maxPipelinedRequests ≥ 2 reading goes on. */
  private adopt(head: RequestHead, startedAt: number, outcome: unknown, threw: boolean): void {
    const exchange = new Exchange(head, startedAt);
    this.enqueue(exchange);
    if (threw) this.handlerFailed(exchange, outcome);
    else this.settle(exchange, outcome as Response | Promise<Response>);
    this.state &= ~Flag.Responding;
    this.afterEvent();
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
    this.state |= Flag.Feeding;
    try {
      let rest: Uint8Array | null = data;
      while (rest !== null) {
        const used = parser.feed(rest);
        // The usual outcome: the whole chunk was consumed (no view of its empty rest is made).
        if (used === rest.byteLength || parser.failed || (this.paused & Pause.Stop) !== 0) break;
        const remaining: Uint8Array = rest.subarray(used);
        rest = null;
        if (this.paused !== 0) {
          this.leftover = borrowed ? copy(remaining) : remaining;
          break;
        }
        // A pause was lifted while we were inside feed (re-entrant resume): carry on.
        parser.resume();
        rest = remaining;
      }
    } finally {
      this.state &= ~Flag.Feeding;
    }
    // A reason may have come and gone while parsing (a body chunk filled the stream, the handler read it).
    if (this.paused === 0) parser.resume();
    this.returnParser();
    this.syncReading();
  }

  private enqueue(exchange: Exchange): void {
    const work = this.busy();
    if (work.queue === NO_EXCHANGES) work.queue = [exchange];
    else (work.queue as Exchange[]).push(exchange);
  }

  /** Drop the exchange just written (there is one, so there is a Work); an emptied queue goes back to
   * NO_EXCHANGES. */
  private dequeue(): void {
    const work = this.work!;
    if (work.queue.length === 1) work.queue = NO_EXCHANGES;
    else (work.queue as Exchange[]).shift();
  }

  /** The parser, borrowed from the spares (or made) if the connection holds none. */
  private parser(): Parser {
    const work = this.busy();
    let lent = work.lent;
    if (lent === null) {
      const spares = sharedOf(this.config).spares;
      lent = spares.pop() ?? new LentParser(this.config, spares);
      lent.connection = this;
      work.lent = lent;
    }
    return lent.parser;
  }

  /** Give the parser back once it holds nothing of a request: a new one would behave the same. */
  private returnParser(): void {
    const work = this.work;
    const lent = work === null ? null : work.lent;
    if (lent === null || !lent.parser.pristine) return;
    lent.connection = null;
    work!.lent = null;
    if (lent.spares.length < MAX_SPARE_PARSERS) lent.spares.push(lent);
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
    this.state |= Flag.NewHead | Flag.SawHead;
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
    let body: RequestBody | null = null;
    if (head.bodyKind !== "none") {
      this.reading = exchange;
      if (methodTakesBody(head.method)) {
        // Size-based queue: at most highWaterMark bytes wait for the handler before reading pauses. With
        // Expect: 100-continue the mark is 0, so `pull` means "the handler reads" and triggers 100.
        const mark = head.expectContinue ? 0 : this.config.connection.highWaterMark;
        body = exchange.requestBody = new RequestBody(this, exchange, mark);
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
    const body = exchange.requestBody;
    if (body === null) {
      exchange.discarded += view.byteLength;
      if (exchange.discarded > this.config.connection.maxDiscardBodyBytes) this.closeAfterResponses();
      return;
    }
    body.enqueue(copy(view)); // the view points into a buffer the adapter reuses
    if (body.desiredSize <= 0) this.pause(Pause.Body);
  }

  parsedBodyEnd(): void {
    const exchange = this.reading;
    if (exchange === null) return;
    this.reading = null;
    exchange.bodyDone = true;
    if (exchange.requestBody !== null) {
      exchange.requestBody.close();
      exchange.requestBody = null;
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
    if (exchange.requestBody !== null) {
      try {
        exchange.requestBody.error(new HttpError(status === statusOf("body_timeout") ? "body_timeout" : "bad_chunk"));
      } catch {
        // already closed
      }
      exchange.requestBody = null;
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
   * promise is followed; the pool (`submit`) calls back. Either way the response loop picks it up. */
  private run(exchange: Exchange, request: Request): void {
    const submit = this.config.submit;
    if (submit !== undefined) {
      try {
        submit(request, new RequestInfo(this.transport), (response) => this.accept(exchange, response));
      } catch (error) {
        this.handlerFailed(exchange, error);
      }
      return;
    }
    let result: Response | Promise<Response>;
    try {
      result = this.config.fetch(request, new RequestInfo(this.transport));
    } catch (error) {
      this.handlerFailed(exchange, error);
      return;
    }
    this.settle(exchange, result);
  }

  /** What the handler returned: a Response is taken at once, a promise is followed. */
  private settle(exchange: Exchange, result: Response | Promise<Response>): void {
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
      this.becameReady();
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
    this.becameReady();
  }

  /** The handler threw, rejected, returned something else than a Response, or its body failed: 500. */
  private handlerFailed(exchange: Exchange, error: unknown): void {
    if (exchange.refusal !== 0) return;
    this.reportHandlerError(error);
    exchange.response = null; // → 500
    exchange.simple = null;
    exchange.collected = null;
    exchange.ready = true;
    this.becameReady();
  }

  /** An exchange got its answer (the handler's, or a 500): wake the response loop where it waits (a
   * streamed body, a blocked write), or start it. Started one microtask later, so that the answers
   * settled together (a pipelined batch through the pool, say) go out together, as one write; inside
   * parser.feed the event's own afterEvent starts it once the chunk is parsed. */
  private becameReady(): void {
    this.notify();
    if ((this.state & (Flag.Feeding | Flag.Responding | Flag.Closed | Flag.StartQueued)) !== 0) return;
    this.state |= Flag.StartQueued;
    queueMicrotask(() => {
      this.state &= ~Flag.StartQueued;
      this.afterEvent();
    });
  }

  // =================================================================================================
  // Writing (write → keep-alive or close)

  /**
   * The response loop: write exchanges in order, waiting for each to be ready. It runs synchronously for
   * as long as every response is written synchronously (a buffered body, a socket taking bytes), so a
   * keep-alive request costs no promise; the first wait (a streamed body, a blocked socket) hands the
   * rest of the loop to `respondAfter`.
   */
  private respond(): void {
    this.responding = true;
    // One clock reading per pass, for the Date of what it writes and the deadline armed after it (a
    // keep-alive request then reads the clock once, not twice: ~30 ns each, issue 6).
    const now = this.config.clock.now();
    let wait: Promise<void> | null = null;
    try {
      wait = this.respondUntilWait(now);
    } catch (error) {
      this.respondFailed(error);
    }
    if (wait === null) this.respondEnded(now);
    else void this.respondAfter(wait);
  }

  /** The loop after its first wait: wait, write on, until nothing is left to wait for. */
  private async respondAfter(wait: Promise<void>): Promise<void> {
    let now: number | undefined;
    try {
      for (let next: Promise<void> | null = wait; next !== null; next = this.respondUntilWait(now)) {
        await next;
        now = this.config.clock.now();
      }
    } catch (error) {
      this.respondFailed(error);
      now = undefined; // the pass may have failed after a wait: read the clock afresh
    }
    this.respondEnded(now);
  }

  /** Write what is ready, in queue order, without waiting. Returns what must settle before the loop
   * can go on (a streamed response being written, or the socket draining), or null: the loop is over.
   * `now` is the clock as this pass read it (the Date of each response written in it). */
  private respondUntilWait(now: number | undefined): Promise<void> | null {
    while (this.queue.length > 0 && !this.closed) {
      const exchange = this.queue[0]!;
      if (exchange.continueAsked && !exchange.continueSent) this.sendContinue(exchange);
      // Not answered yet: the loop ends here (what is ready goes out below), and the answer starts it
      // again (becameReady). Waiting here instead would cost every asynchronous answer a suspended
      // async frame, a promise and a turn of microtasks.
      if (!exchange.ready) break;
      exchange.responseStarted = true;
      const written = this.writeExchange(exchange, now);
      // A buffered response is written synchronously, so a pipelined batch stays one pass.
      if (typeof written !== "boolean") {
        // After STOP the queue is empty: the next pass only flushes.
        return written.then((keepAlive) => {
          const wait = this.afterWritten(exchange, keepAlive);
          return wait === STOP || wait === null ? undefined : wait;
        });
      }
      const wait = this.afterWritten(exchange, written);
      if (wait === STOP) break;
      if (wait !== null) return wait;
    }
    this.flush();
    return null;
  }

  /** `exchange` was written: dequeue and log it, then keep the connection or stop reading. Returns STOP
   * when this response ends the connection, a promise when the socket must drain first, else null. */
  private afterWritten(exchange: Exchange, keepAlive: boolean): Promise<void> | typeof STOP | null {
    this.dequeue();
    this.log(exchange);
    if (!keepAlive || !this.afterResponse(exchange)) {
      // This response ends the connection: requests behind it are dropped unanswered (their clients see
      // the close and may retry, RFC 9112 §9.3.1).
      for (const dropped of this.queue) cancelCollected(dropped);
      this.queue = NO_EXCHANGES;
      this.stopReading();
      return STOP;
    }
    if (this.queue.length < this.config.connection.maxPipelinedRequests) this.unpause(Pause.Pipeline);
    if (!this.writeBlocked || this.closed) return null;
    return this.drained();
  }

  /** Flush and wait until the socket takes bytes again (or the connection closes). */
  private async drained(): Promise<void> {
    while (this.writeBlocked && !this.closed) {
      this.flush();
      await this.nextEvent();
    }
  }

  /** A bug in weft, not in the handler: never leave the socket hanging. */
  private respondFailed(error: unknown): void {
    this.config.onHandlerError(error);
    this.transport.destroy();
  }

  /** The pass is over; `now` is the clock as it read it, if the pass is still running (undefined: read it). */
  private respondEnded(now: number | undefined): void {
    this.responding = false;
    this.afterEvent(now);
  }

  /** Writes one exchange; resolves whether the connection may stay open after it. */
  private writeExchange(exchange: Exchange, now: number | undefined): boolean | Promise<boolean> {
    if (exchange.refusal !== 0) {
      exchange.status = exchange.refusal;
      this.push(errorResponseBytes(exchange.refusal));
      return false;
    }
    if (exchange.simple !== null) return this.writeFull(exchange, bodyBytes(exchange.simple.body), now);
    const collected = exchange.collected;
    if (exchange.response === null || collected === null) return this.writeFull(exchange, null, now);
    if (collected.complete) return this.writeFull(exchange, collected.body, now);
    return this.writeStreamed(exchange, now);
  }

  /** Head and whole body in one buffer; the handler's response, or 500 when it failed. `now`: the time
   * for its Date (undefined: the system clock's now, for a response written after a wait). */
  private writeFull(exchange: Exchange, body: Uint8Array | null, now?: number): boolean {
    const head = exchange.head!;
    const response = exchange.response;
    const keepAlive = this.keepAliveFor(exchange);
    let result: SerializedResponse | null = null;
    if (response !== null) {
      try {
        const simple = exchange.simple;
        result = simple !== null
          ? serializeSimple(head, response.status, simple, body, keepAlive, now)
          : serializeFullResponse({ status: response.status, headers: response.headers, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive, bodyLength: null, nowMs: now }, body);
        exchange.status = response.status;
        exchange.bytes = bodyBytesSent(result, body);
      } catch (error) {
        this.config.onHandlerError(error); // InvalidResponseError: header injection or bad status
      }
    }
    if (result === null) {
      result = serializeFullResponse({ status: INTERNAL_ERROR_STATUS, headers: INTERNAL_ERROR_HEADERS, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive, bodyLength: null, nowMs: now }, INTERNAL_ERROR_BODY);
      exchange.status = INTERNAL_ERROR_STATUS;
      exchange.bytes = bodyBytesSent(result, INTERNAL_ERROR_BODY);
    }
    this.push(result.bytes);
    return result.keepAlive;
  }

  /** A live response body: head now, then each chunk as the handler produces it, pulled only while the
   * socket keeps up. Chunked for HTTP/1.1 (RFC 9112 §7.1); for HTTP/1.0, raw bytes then close. `now`:
   * the pass's clock reading, for the head's Date (written before the first wait). */
  private async writeStreamed(exchange: Exchange, now: number | undefined): Promise<boolean> {
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
      serialized = serializeHead({ status: response.status, headers: response.headers, requestMethod: head.method, requestVersionMinor: head.versionMinor, keepAlive: this.keepAliveFor(exchange), bodyLength: declared, nowMs: now });
    } catch (error) {
      reader.cancel().catch(ignore);
      this.config.onHandlerError(error);
      exchange.response = null;
      return this.writeFull(exchange, null, now);
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
    // A short body of declared length (a small static file, still being read) goes out with its head:
    // the head waits for the first chunk rather than take a send, and a wake-up of the client, of its
    // own; gathered with it (Transport.writev), or below GATHER_MIN_BYTES joined to it where the socket
    // cannot gather. Any other head goes now: a live stream's client must see the head before the body,
    // and joining a large chunk behind a head would copy it.
    // Until the first chunk is sent, a held head is still ours to take back (answerInsteadOfHeld).
    let headHeld = collected.chunks.length === 0 && owed !== null && owed <= this.config.connection.highWaterMark &&
      (this.transport.writev !== undefined || owed < GATHER_MIN_BYTES);
    if (!headHeld) this.flush();
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
        headHeld = false;
        const fits = send(result.value);
        this.flush();
        if (!fits) return overrun();
      }
    } catch (error) {
      this.reportHandlerError(error);
      reader.cancel().catch(ignore);
      // Failed before its first byte, its head still held (a small file whose read failed): a 500.
      const instead = headHeld ? this.answerInsteadOfHeld(exchange, serialized.bytes) : null;
      if (instead !== null) return instead;
      // Mid-stream failure: the head is out, so no 500 is possible. Close without the last chunk, so
      // the client sees a truncated body rather than a complete-looking one.
      return false;
    } finally {
      this.activeReader = null;
    }
    if (chunked) this.push(LAST_CHUNK);
    if (owed !== null && owed > 0) {
      this.config.onHandlerError(new Error("weft: response body is shorter than its Content-Length"));
      // Empty, its head still held (a file emptied after its size was read): a 500.
      const instead = headHeld ? this.answerInsteadOfHeld(exchange, serialized.bytes) : null;
      if (instead !== null) return instead;
      return false; // the client sees the connection close before the declared end: a truncated body
    }
    return serialized.keepAlive;
  }

  /** A held head (writeStreamed) whose body failed or came empty before any of it was sent: nothing of
   * the response has reached the client, so the head is taken back and a 500 goes instead, as for a
   * handler's throw. Null when the head could not be taken back (it is out). */
  private answerInsteadOfHeld(exchange: Exchange, head: Uint8Array): boolean | null {
    if (this.closed || !this.unpush(head)) return null;
    exchange.response = null;
    return this.writeFull(exchange, null);
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
    const body = exchange.requestBody;
    if (body !== null) {
      exchange.requestBody = null;
      try {
        body.error(new TypeError(BODY_DISCARDED));
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
    const work = this.busy();
    if (work.out === null) work.out = [bytes];
    else work.out.push(bytes);
    work.outBytes += bytes.byteLength;
  }

  /** Takes back `bytes` if it is the last thing queued and not yet written; whether it did. */
  private unpush(bytes: Uint8Array): boolean {
    const out = this.work === null ? null : this.work.out;
    if (out === null || out[out.length - 1] !== bytes) return false;
    out.pop();
    this.work!.outBytes -= bytes.byteLength;
    if (out.length === 0) this.work!.out = null;
    return true;
  }

  /** One socket write for everything queued (gathered by the transport when it can, else joined). */
  private flush(): void {
    const work = this.work;
    const out = work === null ? null : work.out;
    if (out === null) return;
    const total = work!.outBytes;
    work!.out = null;
    work!.outBytes = 0;
    if (this.closed) return;
    if (!(out.length === 1 ? this.transport.write(out[0]!) : writeMany(this.transport, out, total))) {
      this.writeRefused();
      this.rearm(); // writeTimeout runs from now
    }
  }

  /** The socket took a write but wants no more for now: stop reading until it drains (onDrain). */
  private writeRefused(): void {
    this.writeBlocked = true;
    this.pause(Pause.Write);
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
    const state = this.state;
    const pause = (state & PAUSE_BITS) !== 0 && (state & Flag.Ended) === 0;
    if (pause === ((state & Flag.TransportPaused) !== 0) || (state & Flag.Closed) !== 0) return;
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

  /** Called after every event: start the response loop, end the connection, or re-arm the timer.
   * `now`: the clock, when the caller has just read it (undefined: read it if the timer moves). */
  private afterEvent(now?: number): void {
    const state = this.state;
    if ((state & Flag.Closed) !== 0) return;
    if ((state & (Flag.Responding | Flag.Ended)) === 0) {
      const queue = this.queue;
      if (queue.length > 0) {
        if (queue[0]!.ready) {
          this.respond();
          return;
        }
      } else {
        const noMore = this.closeAfter || (this.peerEnded && this.reading === null) || (this.draining && this.parserIdle());
        if (noMore) {
          this.end();
          return;
        }
      }
    }
    this.rearm(now);
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

  /** Called after every event: reads `state` and `work` once (not through the accessors). */
  private phase(): PhaseCode {
    const state = this.state;
    if ((state & Flag.Closed) !== 0) return PhaseCode.Closed;
    if ((state & Flag.Ended) !== 0) return PhaseCode.Closing;
    if ((state & Flag.WriteBlocked) !== 0) return PhaseCode.WriteBlocked;
    const work = this.work;
    if (work === null) {
      // Nothing read, nothing queued, and the parser (not lent) is pristine.
      if ((state & (Pause.Pipeline | Pause.Stop | Flag.SawHead)) === 0) return PhaseCode.ReadingHead;
      return (state & Flag.Responding) !== 0 ? PhaseCode.Busy : PhaseCode.Idle;
    }
    const reading = work.reading;
    if (reading !== null) {
      // A client holding its body back for "100 Continue" owes nothing yet: the handler has not asked.
      const heldBack = reading.head!.expectContinue && !reading.continueSent;
      if ((state & (Pause.Body | Pause.Stop)) === 0 && !heldBack) return PhaseCode.ReadingBody;
    } else if ((state & (Pause.Pipeline | Pause.Stop)) === 0) {
      const lent = work.lent;
      // A parser not lent is pristine: idle and not failed.
      if (lent === null ? (state & Flag.SawHead) === 0 : !lent.parser.failed && (!lent.parser.idle || (state & Flag.SawHead) === 0)) return PhaseCode.ReadingHead;
    }
    if (work.queue.length > 0 || (state & Flag.Responding) !== 0) return PhaseCode.Busy;
    return PhaseCode.Idle;
  }

  private timeoutFor(phase: PhaseCode): number {
    const t = this.config.timeouts;
    switch (phase) {
      case PhaseCode.Idle:
        return t.keepAliveTimeout;
      case PhaseCode.ReadingHead:
        return t.headersTimeout;
      case PhaseCode.ReadingBody:
        return t.bodyTimeout;
      case PhaseCode.WriteBlocked:
      case PhaseCode.Closing:
        return t.writeTimeout;
      default:
        return 0;
    }
  }

  /** Point the one timer at the current phase's deadline. Same phase (and, for ReadingHead and Idle, same
   * head): keep the deadline, except for ReadingBody, whose timeout is the gap between reads. */
  private rearm(now?: number): void {
    const phase = this.phase();
    // A new head since the timer was set restarts ReadingHead and Idle even when no event saw the phase
    // change in between (a synchronous handler is answered within the same onData).
    const perHead = phase === PhaseCode.ReadingHead || phase === PhaseCode.Idle;
    if (phase !== this.timerPhase || phase === PhaseCode.ReadingBody || (perHead && (this.state & Flag.NewHead) !== 0)) {
      this.timerPhase = phase;
      this.state &= ~Flag.NewHead;
      this.setDeadline(sharedOf(this.config).deadlines, this.timeoutFor(phase), now);
    }
    this.releaseWork();
  }

  /** The current phase's timeout ran out (called by the deadline lists; not for other callers). */
  deadlineExpired(): void {
    if (this.closed) return;
    const phase = this.timerPhase;
    this.timerPhase = 0;
    switch (phase) {
      case PhaseCode.Idle:
        this.end(); // RFC 9112 §9.5: a server may close an idle connection at any time
        return;
      case PhaseCode.ReadingHead: {
        const refusal = new Exchange(null, this.config.onLog ? this.config.clock.now() : 0);
        this.enqueue(refusal);
        this.refuse(refusal, statusOf("headers_timeout"));
        break;
      }
      case PhaseCode.ReadingBody:
        if (this.reading !== null) this.failBody(this.reading, statusOf("body_timeout"));
        this.stopReading();
        break;
      case PhaseCode.WriteBlocked:
      case PhaseCode.Closing:
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
    if (this.config.onLog === undefined) return;
    this.logEntry(exchange.head, exchange.status, exchange.bytes, exchange.startedAt, exchange.response);
  }

  /** One access-log entry: `status` and body `bytes` as written, `response` the handler's (null: none). */
  private logEntry(head: RequestHead | null, status: number, bytes: number, startedAt: number, response: Response | null): void {
    const config = this.config;
    config.onLog!({
      remoteAddress: this.transport.remoteAddress,
      method: head?.method ?? NO_VALUE,
      target: head?.target ?? NO_VALUE,
      version: head === null ? NO_VALUE : head.versionMinor === 1 ? HTTP_11 : HTTP_10,
      status,
      bytes,
      startedAt,
      durationMs: config.clock.now() - startedAt,
      workerId: response !== null ? config.workerOf?.(response) : undefined,
    });
  }
}

function ignore(): void {}

/** Below this, a batch is joined even where the transport gathers: copying a few KiB costs less than a
 * gathered write of many small pieces (16 pipelined responses went ~5% slower on Node gathered). */
const GATHER_MIN_BYTES = 16 * 1024;

/** Several buffers as one write: a view over them when they lie back to back in one buffer (responses
 * serialized in a row share the response writer's slab); else, from GATHER_MIN_BYTES, gathered by the
 * transport when it can (Transport.writev); else joined into a copy. */
function writeMany(transport: Transport, pieces: Uint8Array[], total: number): boolean {
  const first = pieces[0]!;
  let end = first.byteOffset + first.byteLength;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (piece.buffer !== first.buffer || piece.byteOffset !== end) {
      return total >= GATHER_MIN_BYTES && transport.writev !== undefined
        ? transport.writev(pieces, total)
        : transport.write(concat(pieces, total) as Uint8Array);
    }
    end += piece.byteLength;
  }
  return transport.write(new Uint8Array(first.buffer, first.byteOffset, total));
}

/** A copy that owns its memory. Not `.slice()`: on a Node Buffer that returns a view of the same memory. */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function cancelCollected(exchange: Exchange): void {
  const collected = exchange.collected;
  if (collected !== null && !collected.complete) collected.reader.cancel().catch(ignore);
}
