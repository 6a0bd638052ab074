// The HTTP/1.1 request parser (RFC 9112): push-based, incremental, strict.
//
// Life of a request through it: bytes arrive through feed() in chunks of any size. The head is read
// line by line (request line, then field lines, then the empty line); a line split across chunks is
// copied into one bounded buffer, every complete line is examined exactly once, and a head that sits
// in one chunk is never copied. When the head is complete, request-head.ts gives it its meaning (Host,
// keep-alive, body framing) and onHead fires; then the body is passed through as views (onBody), then
// onEnd, then the next pipelined request starts in the same chunk. Any refusal goes to onError with a
// typed HttpError, after which the parser is dead. The result never depends on how the bytes were
// chunked: size limits are judged on the same bytes whether a line is complete or still partial.
//
// Bare LF policy
// --------------
// RFC 9112 §2.2 lets a recipient accept a bare LF as a line terminator. A proxy in front of weft that
// disagrees about where a line ends could be made to see a different request than weft does, so by
// default a bare LF anywhere a CRLF is required is refused (400, kind "bare_lf"). `leniency.allowBareLf`
// accepts it at the end of the request line, of field lines, of leading empty lines and of the empty
// line ending the head. It is never accepted in chunked framing (chunk-size lines, the CRLF after chunk
// data, trailer lines), where disagreement is the classic smuggling vector. A bare CR (CR not followed
// by LF) is always refused (RFC 9112 §2.2).
//
// Transfer-Encoding + Content-Length
// ----------------------------------
// A request carrying both is refused with 400 (kind "te_and_cl") and the connection should be closed.
// RFC 9112 §6.3 rule 3 would let Transfer-Encoding win, but says such a message "might indicate an
// attempt to perform request smuggling" and §6.1 lets a server reject it; two servers in a chain that
// pick different framings is exactly how smuggling works, and refusing is the one choice that cannot be
// exploited. The same spirit drives the other framing refusals in request-head.ts `bodyFraming`:
// differing Content-Length values, Transfer-Encoding on HTTP/1.0, chunked not last or applied twice.
//
// Limits come from options.ts (Limits); leading empty lines before a request line (RFC 9112 §2.2 says
// a server SHOULD ignore at least one) are ignored up to maxRequestLineBytes bytes of them in total.

import { CR, HTAB, HEX_VALUE, LF, SEMICOLON, SP, DEL } from "./bytes.ts";
import { HttpError } from "./errors.ts";
import type { HttpErrorKind } from "./errors.ts";
import { Fields, parseFieldLine } from "./fields.ts";
import { resolveLeniency, resolveLimits } from "./options.ts";
import type { Leniency, Limits } from "./options.ts";
import { interpretHead, parseRequestLine } from "./request-head.ts";
import type { BodyKind, RequestLine, TargetForm } from "./request-head.ts";

export { Fields } from "./fields.ts";
export type { BodyKind, TargetForm } from "./request-head.ts";

export interface RequestHead {
  /** e.g. "GET" (case-sensitive, as received). */
  method: string;
  /** request-target as received. */
  target: string;
  targetForm: TargetForm;
  /** HTTP/1.0 or HTTP/1.1. */
  versionMinor: 0 | 1;
  fields: Fields;
  /** 1.1 unless "Connection: close"; 1.0 only with "Connection: keep-alive". */
  keepAlive: boolean;
  /** "Expect: 100-continue" on an HTTP/1.1 request. */
  expectContinue: boolean;
  /** Upgrade field value when Connection lists "upgrade" (reported only; weft upgrades nothing). */
  upgrade: string | null;
  bodyKind: BodyKind;
  /** Body length for "length"; 0 for "none"; -1 for "chunked". */
  contentLength: number;
  /** Bytes of the head on the wire: request line + field lines + final empty line, with terminators
   * (leading empty lines excluded). */
  headBytes: number;
}

export interface ParserCallbacks {
  onHead(head: RequestHead): void;
  /** A VIEW into the fed chunk, valid only during the call. */
  onBody(chunk: Uint8Array): void;
  /** End of this message: right after onHead when there is no body (or Content-Length: 0). Delivered
   * as soon as the message's last byte is consumed, even if an earlier callback called pause(). */
  onEnd(trailers: Fields | null): void;
  /** The parser is then dead: later feed() calls do nothing. */
  onError(error: HttpError): void;
}

export interface ParserOptions {
  limits?: Partial<Limits>;
  leniency?: Partial<Leniency>;
}

export interface Parser {
  /** Push bytes. Returns how many bytes of `chunk` were consumed: always chunk.length unless a callback
   * called pause(), in which case the rest must be fed again after resume(). A feed() while paused
   * consumes nothing (returns 0). Never throws (exceptions thrown by callbacks do propagate). */
  feed(chunk: Uint8Array): number;
  /** Stop consuming after the current callback returns (used at message boundaries). */
  pause(): void;
  resume(): void;
  /** Peer sent EOF. If a message is in progress, onError(incomplete_request), unless only empty lines
   * (or nothing) of the next request were received. Later feed() calls do nothing. */
  finish(): void;
  /** True between messages (nothing but empty lines of the next request received yet). */
  readonly idle: boolean;
  /** True after onError. */
  readonly failed: boolean;
}

export function createParser(callbacks: ParserCallbacks, options?: ParserOptions): Parser {
  return new RequestParser(callbacks, resolveLimits(options?.limits), resolveLeniency(options?.leniency));
}

// Parser states. The head and the trailer section are read line by line; chunked framing byte by byte.
const S_HEAD = 0; // request line, then field lines, up to the empty line
const S_BODY = 1; // Content-Length body: `remaining` bytes left
const S_CHUNK_SIZE = 2; // hex digits of a chunk-size (RFC 9112 §7.1)
const S_CHUNK_EXT = 3; // after the digits: optional BWS ";" chunk-ext, up to CR
const S_CHUNK_SIZE_LF = 4; // the LF closing a chunk-size line
const S_CHUNK_DATA = 5; // chunk data: `remaining` bytes left
const S_CHUNK_DATA_CR = 6; // the CRLF required after chunk data
const S_CHUNK_DATA_LF = 7;
const S_TRAILERS = 8; // trailer section lines after the last chunk, up to the empty line (§7.1.2)
const S_DEAD = 9; // after onError or finish()

/** Hex digits accepted in one chunk-size. 16 digits cover any 64-bit size; the bound only stops an
 * endless run of leading zeros (the value itself is guarded against overflow separately). */
const MAX_CHUNK_SIZE_DIGITS = 16;
/** A line buffer starts this small and grows (doubling) up to the limits: most heads arrive whole and
 * never touch it, and idle connections should stay cheap. */
const INITIAL_LINE_BUFFER = 256;

class RequestParser implements Parser {
  private readonly cb: ParserCallbacks;
  private readonly limits: Limits;
  private readonly allowBareLf: boolean;
  /** Largest line the buffer must hold: the biggest line limit, plus room for CRLF. */
  private readonly lineCap: number;

  private state = S_HEAD;
  private paused = false;
  private dead = false;
  /** Set by onError only (finish() also stops the parser but is not a failure). */
  private errored = false;

  /** Bytes of a line split across chunks, waiting for its LF. */
  private buf = new Uint8Array(0);
  private partial = 0;

  // Per-message head state.
  /** The request line of the head being read, once seen; null before it. */
  private line: RequestLine | null = null;
  private fields = new Fields();
  /** Bytes of field lines so far (for maxHeaderBytes). */
  private fieldBytes = 0;
  private headBytes = 0;
  /** Bytes of empty lines received before this request line (RFC 9112 §2.2), bounded. */
  private leadingBytes = 0;

  // Body state.
  /** Bytes left in a Content-Length body or in the current chunk. */
  private remaining = 0;
  /** Body bytes announced by chunk sizes so far (for maxBodyBytes). */
  private bodyTotal = 0;
  private chunkDigits = 0;
  private chunkExtBytes = 0;
  /** Set once a chunk-ext has started with ";" (before it only BWS may appear). */
  private chunkExtStarted = false;
  private trailers: Fields | null = null;
  private trailerBytes = 0;

  constructor(cb: ParserCallbacks, limits: Limits, leniency: Leniency) {
    this.cb = cb;
    this.limits = limits;
    this.allowBareLf = leniency.allowBareLf;
    this.lineCap = Math.max(limits.maxRequestLineBytes, limits.maxHeaderBytes, limits.maxTrailerBytes) + 2;
  }

  get idle(): boolean {
    if (this.state !== S_HEAD || this.line !== null || this.dead) return false;
    return this.partial === 0 || (this.partial === 1 && this.buf[0] === CR);
  }

  get failed(): boolean {
    return this.errored;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  finish(): void {
    if (this.dead) return;
    if (!this.idle) this.fail("incomplete_request");
    this.dead = true;
    this.state = S_DEAD;
  }

  feed(chunk: Uint8Array): number {
    const end = chunk.length;
    if (this.dead) return end;
    if (this.paused) return 0;
    let pos = 0;
    while (pos < end) {
      switch (this.state) {
        case S_HEAD:
        case S_TRAILERS:
          pos = this.readLines(chunk, pos, end);
          break;
        case S_BODY: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const view = chunk.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) this.state = S_HEAD; // before the callback: `idle` is right in it
          this.cb.onBody(view);
          if (this.remaining === 0) this.endMessage(null);
          break;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const view = chunk.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) this.state = S_CHUNK_DATA_CR;
          this.cb.onBody(view);
          break;
        }
        default:
          pos = this.readChunkFraming(chunk, pos, end);
      }
      if (this.dead) return end;
      if (this.paused) return pos;
    }
    return end;
  }

  private fail(kind: HttpErrorKind): void {
    this.state = S_DEAD;
    this.dead = true;
    this.errored = true;
    this.cb.onError(new HttpError(kind));
  }

  // ---------------------------------------------------------------------------------------------
  // Lines: the head and the trailer section.

  /** Read complete lines from chunk[pos, end); keep a trailing partial line. Returns the new position;
   * stops early when the state leaves line mode, the parser dies, or a callback pauses. */
  private readLines(chunk: Uint8Array, pos: number, end: number): number {
    while (pos < end) {
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        this.keep(chunk, pos, end);
        return end;
      }
      let bytes = chunk;
      let start = pos;
      let stop = lf;
      if (this.partial > 0) {
        if (!this.keep(chunk, pos, lf)) return end;
        bytes = this.buf;
        start = 0;
        stop = this.partial;
      }
      pos = lf + 1;
      this.partial = 0;
      if (this.state === S_HEAD) this.headLine(bytes, start, stop);
      else this.trailerLine(bytes, start, stop);
      if (this.dead || this.paused || (this.state !== S_HEAD && this.state !== S_TRAILERS)) return pos;
    }
    return pos;
  }

  /** Append chunk[from, to) to the partial line, never past lineCap. Returns false (after onError) when
   * the partial line is already known to break a size limit: the same verdict a complete line would
   * get, so chunking never changes the result. */
  private keep(chunk: Uint8Array, from: number, to: number): boolean {
    const take = Math.min(to - from, this.lineCap - this.partial);
    const need = this.partial + take;
    if (need > this.buf.length) {
      let size = Math.max(this.buf.length * 2, INITIAL_LINE_BUFFER);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.lineCap));
      grown.set(this.buf.subarray(0, this.partial));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(from, from + take), this.partial);
    this.partial = need;
    const b = this.partial;
    const buf = this.buf;
    // An "\r" alone may still become an empty line, which no size limit counts.
    if (b === 1 && buf[0] === CR) return true;
    const limits = this.limits;
    if (this.state === S_TRAILERS) {
      if (this.trailerBytes + b + 1 > limits.maxTrailerBytes) return this.fail("trailers_too_large"), false;
    } else if (this.line !== null) {
      if (this.fieldBytes + b + 1 > limits.maxHeaderBytes) return this.fail("headers_too_large"), false;
    } else {
      // The content (without a final CR that may turn out to be the terminator) is already too long.
      const content = buf[b - 1] === CR ? b - 1 : b;
      if (content > limits.maxRequestLineBytes) return this.fail(longLineKind(buf, 0, limits.maxRequestLineBytes)), false;
    }
    if (take < to - from) return this.fail("headers_too_large"), false; // unreachable: a check above fires first
    return true;
  }

  /** One complete head line, bytes [start, stop) where stop is the LF. */
  private headLine(bytes: Uint8Array, start: number, stop: number): void {
    const raw = stop - start;
    const crlf = raw > 0 && bytes[stop - 1] === CR;
    const contentEnd = crlf ? stop - 1 : stop;
    const limits = this.limits;
    if (this.line === null) {
      if (contentEnd === start) {
        // RFC 9112 §2.2: ignore empty lines before the request line (robustness for clients that send
        // an extra CRLF after a body), but only so many of them.
        if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
        this.leadingBytes += raw + 1;
        if (this.leadingBytes > limits.maxRequestLineBytes) this.fail("bad_request_line");
        return;
      }
      if (contentEnd - start > limits.maxRequestLineBytes) {
        return this.fail(longLineKind(bytes, start, limits.maxRequestLineBytes));
      }
      if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
      const line = parseRequestLine(bytes, start, contentEnd);
      if (typeof line === "string") return this.fail(line);
      this.line = line;
      this.headBytes = raw + 1;
      return;
    }
    if (contentEnd === start) {
      if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
      this.headBytes += raw + 1;
      return this.completeHead(this.line);
    }
    if (this.fieldBytes + raw + 1 > limits.maxHeaderBytes) return this.fail("headers_too_large");
    if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
    if (this.fields.length >= limits.maxHeaderCount) return this.fail("too_many_headers");
    const error = parseFieldLine(bytes, start, contentEnd, this.fields);
    if (error !== null) return this.fail(error);
    this.fieldBytes += raw + 1;
    this.headBytes += raw + 1;
  }

  private completeHead(line: RequestLine): void {
    const fields = this.fields;
    const meaning = interpretHead(line, fields, this.limits);
    if (typeof meaning === "string") return this.fail(meaning);
    const head: RequestHead = {
      method: line.method,
      target: line.target,
      targetForm: line.targetForm,
      versionMinor: line.versionMinor,
      fields,
      keepAlive: meaning.keepAlive,
      expectContinue: meaning.expectContinue,
      upgrade: meaning.upgrade,
      bodyKind: meaning.bodyKind,
      contentLength: meaning.contentLength,
      headBytes: this.headBytes,
    };
    // Reset the head state for the next message before any callback runs.
    this.fields = new Fields();
    this.fieldBytes = 0;
    this.headBytes = 0;
    this.leadingBytes = 0;
    if (meaning.bodyKind === "chunked") {
      this.state = S_CHUNK_SIZE;
      this.bodyTotal = 0;
      this.startChunkSize();
      this.cb.onHead(head);
    } else if (meaning.contentLength > 0) {
      this.state = S_BODY;
      this.remaining = meaning.contentLength;
      this.cb.onHead(head);
    } else {
      // No body: onEnd follows at once, even if onHead paused (its last byte is consumed).
      this.cb.onHead(head);
      this.endMessage(null);
    }
  }

  private endMessage(trailers: Fields | null): void {
    this.state = S_HEAD;
    this.line = null;
    this.trailers = null;
    this.cb.onEnd(trailers);
  }

  /** One complete trailer line (RFC 9112 §7.1.2), bytes [start, stop) where stop is the LF. Trailers
   * are part of chunked framing: a bare LF is refused even with allowBareLf. */
  private trailerLine(bytes: Uint8Array, start: number, stop: number): void {
    const raw = stop - start;
    const crlf = raw > 0 && bytes[stop - 1] === CR;
    if (raw === 0 || (raw === 1 && crlf)) {
      if (!crlf) return this.fail("bare_lf");
      const trailers = this.trailers;
      return this.endMessage(trailers !== null && trailers.length > 0 ? trailers : null);
    }
    if (this.trailerBytes + raw + 1 > this.limits.maxTrailerBytes) return this.fail("trailers_too_large");
    if (!crlf) return this.fail("bare_lf");
    const trailers = (this.trailers ??= new Fields());
    if (trailers.length >= this.limits.maxHeaderCount) return this.fail("trailers_too_large");
    if (parseFieldLine(bytes, start, stop - 1, trailers) !== null) return this.fail("bad_trailer");
    this.trailerBytes += raw + 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Chunked framing (RFC 9112 §7.1): byte by byte, CRLF always required.

  private startChunkSize(): void {
    this.state = S_CHUNK_SIZE;
    this.remaining = 0;
    this.chunkDigits = 0;
    this.chunkExtBytes = 0;
    this.chunkExtStarted = false;
  }

  private readChunkFraming(chunk: Uint8Array, pos: number, end: number): number {
    const limits = this.limits;
    while (pos < end) {
      const b = chunk[pos]!;
      switch (this.state) {
        case S_CHUNK_SIZE: {
          const digit = HEX_VALUE[b]!;
          if (digit >= 0) {
            // Overflow guard: the size must stay a safe integer.
            if (++this.chunkDigits > MAX_CHUNK_SIZE_DIGITS) return this.fail("bad_chunk"), end;
            const size = this.remaining * 16 + digit;
            if (size > Number.MAX_SAFE_INTEGER) return this.fail("bad_chunk"), end;
            this.remaining = size;
            pos++;
            continue;
          }
          if (this.chunkDigits === 0) return this.fail(b === LF ? "bare_lf" : "bad_chunk"), end;
          // The size is known: refuse before reading data that would pass maxBodyBytes.
          this.bodyTotal += this.remaining;
          if (this.bodyTotal > limits.maxBodyBytes) return this.fail("body_too_large"), end;
          this.state = S_CHUNK_EXT;
          continue; // the same byte, seen by S_CHUNK_EXT
        }
        case S_CHUNK_EXT:
          if (b === CR) {
            this.state = S_CHUNK_SIZE_LF;
          } else if (b === LF) {
            return this.fail("bare_lf"), end;
          } else {
            // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ): only BWS may come
            // before the first ";"; after it, any visible byte (checked loosely: no CTL), bounded.
            if (b === SEMICOLON) this.chunkExtStarted = true;
            else if (!this.chunkExtStarted && b !== SP && b !== HTAB) return this.fail("bad_chunk"), end;
            else if ((b < SP && b !== HTAB) || b === DEL) return this.fail("bad_chunk"), end;
            if (++this.chunkExtBytes > limits.maxChunkExtensionBytes) return this.fail("chunk_extension_too_long"), end;
          }
          pos++;
          continue;
        case S_CHUNK_SIZE_LF:
          if (b !== LF) return this.fail("bad_chunk"), end;
          if (this.chunkDigits > 0 && !this.chunkExtStarted && this.chunkExtBytes > 0) {
            return this.fail("bad_chunk"), end; // whitespace after the size with no extension
          }
          pos++;
          if (this.remaining === 0) {
            // last-chunk: the trailer section follows (§7.1.2).
            this.state = S_TRAILERS;
            this.trailerBytes = 0;
            return pos;
          }
          this.state = S_CHUNK_DATA;
          return pos;
        case S_CHUNK_DATA_CR:
          if (b !== CR) return this.fail(b === LF ? "bare_lf" : "bad_chunk"), end;
          this.state = S_CHUNK_DATA_LF;
          pos++;
          continue;
        case S_CHUNK_DATA_LF:
          if (b !== LF) return this.fail("bad_chunk"), end;
          this.startChunkSize();
          pos++;
          continue;
        default:
          return pos;
      }
    }
    return pos;
  }
}

/** Which limit a request line over maxRequestLineBytes broke, judged on its first limit+1 bytes only
 * (so a line judged while partial and the same line judged complete get the same answer): 414 when
 * the target is the longest part, else 400. */
function longLineKind(bytes: Uint8Array, start: number, limit: number): HttpErrorKind {
  const end = start + limit + 1;
  const sp1 = bytes.subarray(start, end).indexOf(SP);
  if (sp1 === -1) return "request_line_too_long";
  const targetStart = start + sp1 + 1;
  const sp2 = bytes.subarray(targetStart, end).indexOf(SP);
  const targetLength = sp2 === -1 ? end - targetStart : sp2;
  return targetLength > limit + 1 - targetLength ? "target_too_long" : "request_line_too_long";
}
