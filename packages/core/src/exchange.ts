// One request/response exchange on a connection: what connection.ts tracks per request, from the parsed
// head to the last byte of the response, plus the request-body stream handed to the handler.

import type { RequestHead } from "./parser.ts";
import type { CollectedBody } from "./response-body.ts";
import type { SimpleParts } from "./weft-response.ts";

/** What the body stream tells its connection. Implemented by `Connection`. */
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
  /** The handler's body stream (null: no body, not given to the handler, or being discarded). */
  stream: ReadableStreamDefaultController<Uint8Array> | null = null;
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
 * The underlying source of a request-body stream. Chunks are pushed by the connection as the parser
 * delivers them (copied: the parser's views point into a buffer the adapter reuses). `pull` tells the
 * connection the handler has room again, so reading the socket can resume (backpressure); `cancel` turns
 * the rest of the body into bytes to discard. A class, not closures: one allocation per body.
 */
export class BodySource {
  constructor(
    private readonly owner: BodyOwner,
    private readonly exchange: Exchange,
  ) {}
  // Typed as the union so the class fits every runtime's ReadableStream typings; a source without
  // `type: "bytes"` always gets a default controller.
  start(controller: ReadableStreamController<Uint8Array>): void {
    this.exchange.stream = controller as ReadableStreamDefaultController<Uint8Array>;
  }
  pull(): void {
    this.owner.bodyPulled(this.exchange);
  }
  cancel(): void {
    this.exchange.stream = null;
    this.owner.bodyCancelled(this.exchange);
  }
}
