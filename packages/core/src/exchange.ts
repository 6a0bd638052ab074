// One request/response exchange on a connection: what connection.ts tracks per request, from the parsed
// head to the last byte of the response, plus the request body handed to the handler (RequestBody).

import type { RequestHead } from "./parser.ts";
import { type CollectedBody, concat } from "./response-body.ts";
import type { SimpleParts } from "./weft-response.ts";

/** What a request body tells its connection. Implemented by `Connection`. */
export interface BodyOwner {
  /** The handler wants more body bytes (a read found the queue below its high-water mark). */
  bodyPulled(exchange: Exchange): void;
  /** The handler cancelled the body: the rest is discarded (connection.ts, "Unread request bodies"). */
  bodyCancelled(exchange: Exchange): void;
}

export class Exchange {
  /** The parsed head; null for a refusal that came before any head was complete (a parse error). */
  readonly head: RequestHead | null;
  /** When the head was complete (ms since the epoch), for the access log; 0 when nobody logs. */
  readonly startedAt: number;

  // ---- the answer -------------------------------------------------------------------------------
  /** Non-zero: answer this status with the fixed error response (errors.ts) and close, whatever the
   * handler does. Set by a parse error, a timeout, or a refused request (Upgrade/CONNECT: 501). */
  refusal = 0;
  /** The handler settled and its body was looked at (or a refusal is set): the exchange can be written. */
  ready = false;
  /** The handler's Response; null after a refusal or when the handler failed (then: 500). */
  response: Response | null = null;
  /** The handler's body, read as far as it was already there (response-body.ts). */
  collected: CollectedBody | null = null;
  /** A simple WeftResponse's parts (weft-response.ts): written from these, `collected` stays null. */
  simple: SimpleParts | null = null;
  /** The connection started writing this exchange's response: a refusal can no longer replace it. */
  responseStarted = false;
  /** Status written and body bytes written, for the access log. */
  status = 0;
  bytes = 0;

  // ---- the request body -------------------------------------------------------------------------
  /** The handler's request body, while the connection still feeds it (null: no body, not given to the
   * handler, complete, failed, or being discarded). */
  requestBody: RequestBody | null = null;
  /** Every body byte has arrived (true at once for a request without a body). */
  bodyDone: boolean;
  /** Body bytes received so far (whether handed to the handler or discarded). */
  received = 0;
  /** Body bytes dropped because nobody reads them (counted against maxDiscardBodyBytes). */
  discarded = 0;
  /** The handler asked for the body while the client waits for "100 Continue" (RFC 9110 §10.1.1). */
  continueAsked = false;
  /** "100 Continue" is on the wire (or queued in order). */
  continueSent = false;

  constructor(head: RequestHead | null, startedAt: number) {
    this.head = head;
    this.startedAt = startedAt;
    this.bodyDone = head === null || head.bodyKind === "none";
  }
}

/**
 * A request body, between the connection (which pushes what the parser delivers, already copied: the
 * parser's views point into a buffer the adapter reuses) and the handler's Request (request.ts
 * `LazyBody`). No ReadableStream is made until the handler asks for one (`request.body`, or a method
 * that needs the runtime's own Request): until then the chunks wait here, and `readAll` (`bytes()`,
 * `text()`, `json()`, `arrayBuffer()`) takes them as they come. Backpressure is the same either way:
 * `desiredSize` is what the stream's would be (its high-water mark less the bytes waiting), the
 * connection pauses reading at 0, and `bodyPulled` (the stream's `pull`, or readAll starting) resumes it
 * and sends a pending "100 Continue". A reader that takes the whole body never leaves bytes waiting.
 */
export class RequestBody {
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #stream: ReadableStream<Uint8Array> | null = null;
  /** Chunks waiting for the handler (no stream yet). */
  #chunks: Uint8Array[] = [];
  #waiting = 0;
  #closed = false;
  #failure: { error: unknown } | null = null;
  /** readAll was called: what it returns, once the body is complete. */
  #whole: { resolve(body: Uint8Array): void; reject(error: unknown): void } | null = null;
  #readAllCalled = false;

  constructor(
    private readonly owner: BodyOwner,
    private readonly exchange: Exchange,
    /** Bytes that may wait for the handler before reading pauses (0 with Expect: 100-continue: then
     * the handler's first read is what asks for the body). */
    private readonly highWaterMark: number,
  ) {}

  // ---- the connection's side (what a ReadableStreamDefaultController offers) ----------------------

  get desiredSize(): number {
    if (this.#controller !== null) return this.#controller.desiredSize ?? 0;
    if (this.#whole !== null) return this.highWaterMark > 0 ? this.highWaterMark : 1; // taken as it comes
    return this.highWaterMark - this.#waiting;
  }

  enqueue(chunk: Uint8Array): void {
    if (this.#controller !== null) return this.#controller.enqueue(chunk);
    this.#chunks.push(chunk);
    this.#waiting += chunk.byteLength;
  }

  close(): void {
    if (this.#controller !== null) return this.#controller.close();
    this.#closed = true;
    const whole = this.#whole;
    if (whole !== null) {
      this.#whole = null;
      whole.resolve(this.#take());
    }
  }

  error(error: unknown): void {
    if (this.#controller !== null) return this.#controller.error(error);
    if (this.#closed || this.#failure !== null) return;
    this.#failure = { error };
    this.#chunks = [];
    this.#waiting = 0;
    const whole = this.#whole;
    if (whole !== null) {
      this.#whole = null;
      whole.reject(error);
    }
  }

  // ---- the handler's side (request.ts LazyBody) ---------------------------------------------------

  get locked(): boolean {
    return this.#readAllCalled || (this.#stream !== null && this.#stream.locked);
  }

  readAll(): Promise<Uint8Array> {
    this.#readAllCalled = true;
    if (this.#failure !== null) return Promise.reject(this.#failure.error);
    if (this.#closed) return Promise.resolve(this.#take());
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#whole = { resolve, reject };
      // As a stream's pull would be: after this turn, never inside the parser's callback that ran the handler.
      queueMicrotask(() => this.owner.bodyPulled(this.exchange));
    });
  }

  stream(): ReadableStream<Uint8Array> {
    if (this.#stream !== null) return this.#stream;
    const stream = new ReadableStream<Uint8Array>(this, { highWaterMark: this.highWaterMark, size: byteLength });
    this.#stream = stream;
    // Read whole already: the stream is that reader's (locked), as a web Request's body would be.
    if (this.#readAllCalled) stream.getReader();
    return stream;
  }

  // ---- the stream's underlying source (used only by `stream()`) -----------------------------------
  // Typed as the union so the class fits every runtime's ReadableStream typings; a source without
  // `type: "bytes"` always gets a default controller.

  start(controller: ReadableStreamController<Uint8Array>): void {
    const defaultController = controller as ReadableStreamDefaultController<Uint8Array>;
    if (this.#readAllCalled) {
      // readAll has (or will have) the chunks; the stream is only its locked stand-in.
      if (this.#whole === null) defaultController.close();
      return;
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#waiting = 0;
    for (const chunk of chunks) defaultController.enqueue(chunk);
    if (this.#failure !== null) defaultController.error(this.#failure.error);
    else if (this.#closed) defaultController.close();
    else this.#controller = defaultController;
  }

  pull(): void {
    this.owner.bodyPulled(this.exchange);
  }

  cancel(): void {
    this.exchange.requestBody = null;
    this.owner.bodyCancelled(this.exchange);
  }

  #take(): Uint8Array {
    const body = concat(this.#chunks, this.#waiting) ?? new Uint8Array(0);
    this.#chunks = [];
    this.#waiting = 0;
    return body;
  }
}

/** Queue size in bytes (a size function may be called with undefined by some runtimes' typings). */
function byteLength(chunk?: Uint8Array): number {
  return chunk === undefined ? 0 : chunk.byteLength;
}
