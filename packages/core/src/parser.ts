// The HTTP/1.1 request parser (RFC 9112): push-based, incremental, strict.
//
// Life of a request through it: bytes arrive through feed() in chunks of any size. The head is read
// line by line (request line, field lines, empty line); each line is examined once, as soon as its LF
// arrives, and what it holds is recorded as offsets. A head that sits in one chunk is read in place and
// never copied; one split across chunks is copied into one bounded buffer (maxRequestLineBytes +
// maxHeaderBytes) and read there, continuing from where the last chunk stopped. When the empty line
// arrives the whole head is decoded with one call and cut into strings, request-head.ts gives it its
// meaning (Host, keep-alive, body framing) and onHead fires; then the body passes through as views into
// the fed chunks (onBody; chunk-size lines are read by chunked.ts, the trailer section like a head),
// then onEnd, then the next pipelined request starts in the same chunk. Any refusal goes to onError
// with a typed HttpError, after which the parser is dead. The result never depends on how the bytes
// were chunked: size limits are judged on the same bytes whether a line is complete or still partial
// (tests feed every case whole, byte by byte and split at random).
//
// Fast paths (issue 6: the parser was the largest part of a pipelined request's CPU). For a head read in
// place, a line is first scanned up to the end of the chunk without looking for its LF: the request
// line (request-head.ts scanRequestLine) and field lines (fields.ts scanField) end where the scan meets
// a CRLF, since CR and LF are never part of a valid line's content. A field name is first compared with
// the last head's name at the same index (clients repeat their names, in order), which identifies it
// in the name cache and proves it valid; names are never decoded or lowercased again (fields.ts
// fieldNames). A fast path takes only a line that is complete, valid and within limits, recording it
// exactly as the general path would; any other line goes through the general path, unchanged, so every
// refusal is decided there (parser-fastpath.test.ts compares the two paths where they meet). In a
// pipelined batch, one decoder call serves several heads (DECODE_AHEAD). A head whose bytes are exactly
// the previous head's (a client asking for the same thing again on its connection, as load generators and
// polling clients do) is not read again: the same bytes always give the same head, so the parser
// compares them with a copy of the last head's bytes and hands out a copy of its result
// (`repeatedHead`). Only a whole head sitting in one chunk is compared, so chunking changes nothing.
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
// attempt to perform request smuggling" and "ought to be handled as an error"; §6.1 says a server "MAY
// reject a request that contains both". Two servers in a chain that pick different framings is exactly
// how smuggling works (a front end reading Content-Length, a back end reading chunked, or the reverse),
// and refusing is the one choice that no disagreement can exploit. The same spirit drives the other
// framing refusals in request-head.ts `bodyFraming`: differing Content-Length values, Transfer-Encoding
// on HTTP/1.0, chunked not last or applied twice.
//
// Limits come from options.ts (Limits). Leading empty lines before a request line (RFC 9112 §2.2: a
// server SHOULD ignore at least one) are ignored, up to maxRequestLineBytes bytes of them in total.
// CONNECT (authority-form) and Upgrade are reported, not acted on: the parser goes on reading HTTP
// after them, so the connection must answer CONNECT (e.g. 501) and close rather than tunnel.

import { CR, LF, SP, bytesEqualAt, latin1 } from "./bytes.ts";
import { CHUNK_DATA, CHUNK_LAST, ChunkFraming } from "./chunked.ts";
import { HttpError } from "./errors.ts";
import type { HttpErrorKind } from "./errors.ts";
import {
  FIELD_FLAGS,
  Fields,
  NAME_END,
  VALUE_END,
  VALUE_HAS_NON_ASCII,
  VALUE_START,
  fieldNames,
  scanField,
  scanFieldLine,
  scanFieldValue,
} from "./fields.ts";
import { resolveLeniency, resolveLimits } from "./options.ts";
import type { Leniency, Limits } from "./options.ts";
import { interpretHead, parseRequestLine, requestLineEnd, scanRequestLine } from "./request-head.ts";
import type { BodyKind, RequestLineSpans, TargetForm } from "./request-head.ts";

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
   * consumes nothing (returns 0). Never throws; an exception thrown by a callback propagates out of
   * feed() and leaves the parser unusable. Not re-entrant: callbacks must not call feed(). */
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
  /** Between messages and holding nothing (no partial line, no leading empty lines counted), not paused,
   * not finished: it would behave exactly like a new parser, so it can be reused (connection.ts). */
  readonly pristine: boolean;
  /** For a caller that answers a repeated request itself (connection.ts, "the fast lane"): when the
   * parser is pristine and `chunk` is exactly the last head it handed out, whole and with no body, the
   * head that feed(chunk) would hand out (a copy, checked as that one was: same bytes, same limits),
   * else null. Calls nothing back and changes nothing: after feed(chunk) the parser would be pristine
   * again, exactly as it is. */
  repeatedRequest(chunk: Uint8Array): RequestHead | null;
}

export function createParser(callbacks: ParserCallbacks, options?: ParserOptions): Parser {
  return new RequestParser(callbacks, resolveLimits(options?.limits), resolveLeniency(options?.leniency));
}

// Parser states. The head and the trailer section are read line by line; chunked framing byte by byte.
const S_HEAD = 0; // request line, then field lines, up to the empty line
const S_BODY = 1; // Content-Length body: `remaining` bytes left
const S_CHUNK_FRAMING = 2; // chunk-size line or CRLF after data: read by ChunkFraming (chunked.ts)
const S_CHUNK_DATA = 3; // chunk data: `remaining` bytes left
const S_TRAILERS = 4; // trailer section lines after the last chunk, up to the empty line (§7.1.2)
const S_DEAD = 5; // after onError or finish()

// What one complete line did to its section (head or trailer section).
const LINE_NEXT = 0; // examined; the section goes on
const LINE_DROP = 1; // an empty line before the request line: forget it
const LINE_DONE = 2; // the empty line ending the section: the section was handed out
const LINE_FAIL = 3; // refused (onError called)

/** The section buffer starts this small and grows (doubling) up to its cap: most heads arrive whole
 * and never touch it, and idle connections should stay cheap. */
const INITIAL_SECTION_BUFFER = 1024;
/** A section buffer grown past this is released once its section is handed out, so one large head
 * does not pin tens of KiB for the rest of a long keep-alive connection. */
const RETAINED_SECTION_BUFFER = 4 * 1024;
/** Numbers stored per field line in `spans`: start, name end, value start, value end, flags. */
const SPAN = 5;

/** Request lines and field names are ASCII, and most values are: one UTF-8 decoder call (which is
 * exact for ASCII) reads a whole head. Heads with obs-text go through the exact latin1 path. */
const ASCII = new TextDecoder();
const NO_BYTES = new Uint8Array(0);
/** A head with no body is decoded together with what follows it in the chunk, up to this many times
 * its size: in a pipelined batch that is the next heads, which then need no decoder call of their own.
 * Bounded, because each value string may keep the whole decoded text alive. */
const DECODE_AHEAD = 8;
/** Longest head whose bytes are kept for comparison with the next head (see repeatedHead). */
const MAX_REPEATED_HEAD_BYTES = 1024;

/** The methods of RFC 9110 §9 and PATCH (RFC 5789), as literals. */
const STANDARD_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

/** A standard method as its literal, so that comparing it with one (`method === "GET"`, in weft and in
 * handlers) can be a pointer test instead of a string comparison. Any other method as it was sent. */
function standardMethod(method: string): string {
  for (let i = 0; i < STANDARD_METHODS.length; i++) if (method === STANDARD_METHODS[i]) return STANDARD_METHODS[i]!;
  return method;
}

class RequestParser implements Parser {
  private readonly cb: ParserCallbacks;
  private readonly limits: Limits;
  private readonly allowBareLf: boolean;
  /** Most bytes a section can need in the buffer: leading empty lines are dropped, so a head is at
   * most a request line and its CRLF, the field section and the final CRLF; a trailer section its
   * limit and final CRLF. A partial line that would pass this has already broken a limit. */
  private readonly sectionCap: number;

  private state = S_HEAD;
  private paused = false;
  private dead = false;
  /** Set by onError only (finish() also stops the parser but is not a failure). */
  private errored = false;
  /** From a request line until that message's onEnd (for `idle`). */
  private inMessage = false;

  // The section being read (the head, or the trailer section). Lines are examined once, as they
  // complete; what they hold is recorded as offsets relative to the section's first byte and decoded
  // in one go when the section ends. A section that fits in the chunk it started in is read in place;
  // one that spans chunks is copied into `sec` (bounded by sectionCap) and read there.
  private sec = NO_BYTES;
  /** Bytes of the section held in `sec`. */
  private secLen = 0;
  /** True when the section lives in `sec` (it began in an earlier chunk). */
  private buffered = false;
  /** Offset in the current chunk of the section's first byte (when not buffered). */
  private secStart = 0;
  /** Section-relative offset where the current (incomplete) line starts. */
  private lineStart = 0;
  /** The request line's offsets, section-relative; null until seen. */
  private line: RequestLineSpans | null = null;
  /** SPAN numbers per field line, section-relative: the first `spanCount` entries are this section's
   * (the array is overwritten, never shrunk, from one section to the next). */
  private readonly spans: number[] = [];
  private spanCount = 0;
  /** Name and lowercase name of each field line of the section, by index (fields.ts fieldNames). */
  private readonly names: string[] = [];
  private readonly lowerNames: string[] = [];
  /** fieldNames slot of each field name of the last head, by index (-1: none): a client sends the same
   * names in the same order on every request, so line k is first compared with the k-th name of the
   * last head, which both checks and identifies it. */
  private readonly lastNames: number[] = [];
  private readonly scan = [0, 0, 0, 0];
  /** Some value holds obs-text: decode this section byte for byte. */
  private nonAscii = false;
  /** Bytes of field lines so far (for maxHeaderBytes). */
  private fieldBytes = 0;
  private headBytes = 0;
  /** Bytes of empty lines received before this request line (RFC 9112 §2.2), bounded. */
  private leadingBytes = 0;
  private trailerBytes = 0;
  /** Text decoded ahead from `textChunk` (see DECODE_AHEAD), starting at its byte `textStart`; null
   * when there is none. It is good for a later head of the same feed() while every byte from
   * textStart to that head's end is ASCII (one char per byte): heads without obs-text and the empty
   * lines between them. So a body, a head with obs-text, a buffered head or a new feed() drops it. */
  private aheadText: string | null = null;
  private textChunk: Uint8Array = NO_BYTES;
  private textStart = 0;
  /** Where the head being completed starts in the text headText() returned. */
  private textAt = 0;
  /** A copy of the last head handed out and of its bytes (the first lastHead.headBytes bytes), for
   * repeatedHead; null until a head fits. */
  private lastHead: RequestHead | null = null;
  private lastHeadBytes = NO_BYTES;

  // Body state.
  /** Bytes left in a Content-Length body or in the current chunk. */
  private remaining = 0;
  /** Chunk-size lines and the CRLFs around chunk data. */
  private readonly chunked: ChunkFraming;

  constructor(cb: ParserCallbacks, limits: Limits, leniency: Leniency) {
    this.cb = cb;
    this.limits = limits;
    this.allowBareLf = leniency.allowBareLf;
    this.chunked = new ChunkFraming(limits);
    this.sectionCap = Math.max(limits.maxRequestLineBytes + limits.maxHeaderBytes + 4, limits.maxTrailerBytes + 2);
  }

  get idle(): boolean {
    if (this.state !== S_HEAD || this.inMessage || this.dead) return false;
    // Only leading empty lines are dropped; what is held is the start of a request line.
    return !this.buffered || this.secLen === 0 || (this.secLen === 1 && this.sec[0] === CR);
  }

  get failed(): boolean {
    return this.errored;
  }

  get pristine(): boolean {
    // Not buffered: no section bytes are held (a partial line is always copied into `sec`).
    return this.state === S_HEAD && !this.inMessage && !this.dead && !this.paused && !this.buffered && this.leadingBytes === 0;
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
    this.aheadText = null; // the bytes of a new chunk (perhaps the same array, refilled) are new
    let pos = 0;
    while (pos < end) {
      switch (this.state) {
        case S_HEAD:
        case S_TRAILERS:
          pos = this.readSection(chunk, pos, end);
          break;
        case S_BODY: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const view = chunk.subarray(pos, pos + n);
          pos += n;
          this.cb.onBody(view);
          if (this.remaining === 0) this.endMessage(null);
          break;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const view = chunk.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) {
            this.state = S_CHUNK_FRAMING;
            this.chunked.dataDone();
          }
          this.cb.onBody(view);
          break;
        }
        case S_CHUNK_FRAMING: {
          const chunked = this.chunked;
          pos = chunked.read(chunk, pos, end);
          if (chunked.state === CHUNK_DATA) {
            this.state = S_CHUNK_DATA;
            this.remaining = chunked.size;
          } else if (chunked.state === CHUNK_LAST) {
            this.state = S_TRAILERS;
            this.trailerBytes = 0;
          } else if (chunked.error !== null) {
            this.fail(chunked.error);
          }
          break;
        }
        default:
          return end; // S_DEAD
      }
      if (this.dead) return end;
      if (this.paused) return pos;
    }
    return end;
  }

  private fail(kind: HttpErrorKind): number {
    this.state = S_DEAD;
    this.dead = true;
    this.errored = true;
    this.cb.onError(new HttpError(kind));
    return LINE_FAIL;
  }

  // ---------------------------------------------------------------------------------------------
  // Sections: the head and the trailer section, line by line.

  /** Read lines of the current section from chunk[pos, end). Returns the new position; stops early
   * when a section ends and the state leaves line mode, the parser dies, or a callback pauses. */
  private readSection(chunk: Uint8Array, pos: number, end: number): number {
    if (!this.buffered) {
      this.secStart = pos;
      this.lineStart = 0;
    }
    while (pos < end) {
      let lf = -1;
      if (!this.buffered && this.state === S_HEAD) {
        // The fast paths for a head read in place (each takes only lines it can decide alone).
        if (this.line === null) {
          const after = this.repeatedHead(chunk, pos, end);
          if (after >= 0) {
            pos = after;
            this.secStart = pos;
            if (this.dead || this.paused || this.state !== S_HEAD) return pos;
            continue;
          }
          pos = this.requestLineInPlace(chunk, pos, end);
          if (pos === end) break;
        }
        if (this.line !== null) {
          pos = this.fieldLinesInPlace(chunk, pos, end);
          if (pos === end) break;
          if (chunk[pos] === CR && pos + 1 < end && chunk[pos + 1] === LF) lf = pos + 1; // the empty line
        }
      }
      if (lf === -1) {
        const found = chunk.indexOf(LF, pos);
        lf = found === -1 ? end : found;
      }
      if (lf === end) {
        // An incomplete line: keep the section (or its new bytes) for the next chunk.
        if (this.buffered) this.append(chunk, pos, end);
        else this.append(chunk, this.secStart, end);
        this.checkPartialLine();
        return end;
      }
      let outcome: number;
      if (this.buffered) {
        if (!this.append(chunk, pos, lf + 1)) return this.checkPartialLine(), end;
        outcome = this.sectionLine(this.sec, 0, this.lineStart, this.secLen - 1);
      } else {
        outcome = this.sectionLine(chunk, this.secStart, this.secStart + this.lineStart, lf);
      }
      pos = lf + 1;
      if (outcome === LINE_NEXT) {
        this.lineStart = this.buffered ? this.secLen : pos - this.secStart;
        continue;
      }
      if (outcome === LINE_FAIL) return end;
      // LINE_DROP or LINE_DONE: nothing of the section is kept; read the rest in place.
      this.buffered = false;
      this.secLen = 0;
      this.secStart = pos;
      this.lineStart = 0;
      if (this.dead || this.paused || (this.state !== S_HEAD && this.state !== S_TRAILERS)) return pos;
    }
    // The chunk ended on a line boundary inside a section: keep what was read of it.
    if (!this.buffered && pos > this.secStart) this.append(chunk, this.secStart, pos);
    return pos;
  }

  /** The fast path for a request line read in place: take the line at `pos` if scanRequestLine finds
   * it complete and valid and it is within maxRequestLineBytes, recording it as sectionLine would.
   * Returns the position after it, or `pos` when it is left to the general path. */
  private requestLineInPlace(chunk: Uint8Array, pos: number, end: number): number {
    const line = scanRequestLine(chunk, pos, end);
    if (line === null) return pos;
    const cr = requestLineEnd(line);
    if (cr - pos > this.limits.maxRequestLineBytes) return pos;
    this.startMessage(line, this.secStart, cr + 2 - pos);
    this.lineStart = cr + 2 - this.secStart;
    return cr + 2;
  }

  /** A valid request line was read: `line` holds offsets in bytes whose section starts at `base`;
   * `bytes` is its size with its terminator. */
  private startMessage(line: RequestLineSpans, base: number, bytes: number): void {
    this.line = line;
    // parseRequestLine's offsets are absolute in the bytes it read; keep them section-relative.
    line.methodEnd -= base;
    line.targetStart -= base;
    line.targetEnd -= base;
    this.inMessage = true;
    this.headBytes = bytes;
  }

  /**
   * The fast path for the field lines of a head read in place: take each line from `pos` that is
   * valid, ends in CRLF inside this chunk and stays within the limits, recording it exactly as
   * sectionLine would. One scan per line (fields.ts scanField, up to the end of the chunk) both checks
   * it and finds its end: CR and LF are never value bytes, so a scan stopping at a CRLF has read a
   * whole valid line. The name is first compared with the last head's name at the same index
   * (`lastNames`): a match both identifies it and proves it valid (fieldNames keeps only valid names),
   * so only the value is scanned. Returns where it stopped: that line (the empty line, a partial line,
   * one to refuse or over a limit) is left to the general path, which decides it as for any other.
   */
  private fieldLinesInPlace(chunk: Uint8Array, pos: number, end: number): number {
    const scan = this.scan;
    const maxSpans = this.limits.maxHeaderCount * SPAN;
    const maxFieldBytes = this.limits.maxHeaderBytes;
    while (pos < end && this.spanCount < maxSpans) {
      const guess = this.lastNames[this.spanCount / SPAN] ?? -1;
      const colon = guess >= 0 ? fieldNames.matchAt(guess, chunk, pos, end) : -1;
      const stop = colon >= 0 ? scanFieldValue(chunk, colon, end, scan) : scanField(chunk, pos, end, scan);
      if (stop < 0 || stop + 1 >= end || chunk[stop] !== CR || chunk[stop + 1] !== LF) break;
      const bytes = stop + 2 - pos; // with its CRLF, as sectionLine counts a line
      if (this.fieldBytes + bytes > maxFieldBytes) break;
      this.addSpan(chunk, pos, this.secStart, colon >= 0 ? guess : -1);
      this.fieldBytes += bytes;
      this.headBytes += bytes;
      pos = stop + 2;
    }
    this.lineStart = pos - this.secStart;
    return pos;
  }

  /** Copy chunk[from, to) after the section's bytes in `sec`, never past sectionCap (the buffer grows by
   * doubling). Returns false when it had to stop at the cap: a limit is then broken. */
  private append(chunk: Uint8Array, from: number, to: number): boolean {
    const take = Math.min(to - from, this.sectionCap - this.secLen);
    const need = this.secLen + take;
    if (need > this.sec.length) {
      let size = Math.max(this.sec.length * 2, INITIAL_SECTION_BUFFER);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.sectionCap));
      grown.set(this.sec.subarray(0, this.secLen));
      this.sec = grown;
    }
    this.sec.set(chunk.subarray(from, from + take), this.secLen);
    this.secLen = need;
    this.buffered = true;
    return take === to - from;
  }

  /** Judge the incomplete line at the end of `sec` against the size limits: the same verdict its
   * complete form would get, so chunking never changes the result. */
  private checkPartialLine(): void {
    if (this.dead) return;
    const sec = this.sec;
    const start = this.lineStart;
    const b = this.secLen - start;
    // An "\r" alone may still become an empty line, which no size limit counts.
    if (b === 0 || (b === 1 && sec[start] === CR)) return;
    const limits = this.limits;
    if (this.state === S_TRAILERS) {
      if (this.trailerBytes + b + 1 > limits.maxTrailerBytes) this.fail("trailers_too_large");
    } else if (this.line !== null) {
      if (this.fieldBytes + b + 1 > limits.maxHeaderBytes) this.fail("headers_too_large");
    } else {
      // The content (without a final CR that may turn out to be the terminator) is already too long.
      const content = sec[this.secLen - 1] === CR ? b - 1 : b;
      if (content > limits.maxRequestLineBytes) this.fail(longLineKind(sec, start, limits.maxRequestLineBytes));
    }
    // Unreachable when the cap is right: a check above fires before the buffer fills up.
    if (!this.dead && this.secLen === this.sectionCap) this.fail("headers_too_large");
  }

  /** One complete line of the current section: bytes [start, lf) of `bytes`, whose section starts at
   * `base`. */
  private sectionLine(bytes: Uint8Array, base: number, start: number, lf: number): number {
    const raw = lf - start;
    const crlf = raw > 0 && bytes[lf - 1] === CR;
    const end = crlf ? lf - 1 : lf;
    const limits = this.limits;

    if (this.state === S_TRAILERS) {
      // Trailers are part of chunked framing: a bare LF is refused even with allowBareLf. The size is
      // judged before the terminator, as checkPartialLine judges a line whose LF has not come yet.
      if (end === start) return crlf ? this.completeTrailers(bytes, base) : this.fail("bare_lf");
      if (this.trailerBytes + raw + 1 > limits.maxTrailerBytes) return this.fail("trailers_too_large");
      if (!crlf) return this.fail("bare_lf");
      if (this.spanCount >= limits.maxHeaderCount * SPAN) return this.fail("trailers_too_large");
      if (scanFieldLine(bytes, start, end, this.scan) !== null) return this.fail("bad_trailer");
      this.addSpan(bytes, start, base, -1);
      this.trailerBytes += raw + 1;
      return LINE_NEXT;
    }

    if (this.line === null) {
      if (end === start) {
        // RFC 9112 §2.2: ignore empty lines before the request line (robustness for clients that send
        // an extra CRLF after a body), but only so many bytes of them.
        if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
        this.leadingBytes += raw + 1;
        if (this.leadingBytes > limits.maxRequestLineBytes) return this.fail("bad_request_line");
        return LINE_DROP;
      }
      if (end - start > limits.maxRequestLineBytes) return this.fail(longLineKind(bytes, start, limits.maxRequestLineBytes));
      if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
      const line = parseRequestLine(bytes, start, end);
      if (typeof line === "string") return this.fail(line);
      this.startMessage(line, base, raw + 1);
      return LINE_NEXT;
    }

    if (end === start) {
      if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
      this.headBytes += raw + 1;
      return this.completeHead(bytes, base, this.line);
    }
    if (this.fieldBytes + raw + 1 > limits.maxHeaderBytes) return this.fail("headers_too_large");
    if (!crlf && !this.allowBareLf) return this.fail("bare_lf");
    if (this.spanCount >= limits.maxHeaderCount * SPAN) return this.fail("too_many_headers");
    const error = scanFieldLine(bytes, start, end, this.scan);
    if (error !== null) return this.fail(error);
    this.addSpan(bytes, start, base, -1);
    this.fieldBytes += raw + 1;
    this.headBytes += raw + 1;
    return LINE_NEXT;
  }

  /** Record the field line just scanned, `bytes` from `start`, section starting at `base` (the offsets
   * in `scan` are absolute in the line's bytes; spans are section-relative), and its name: `slot` is
   * its fieldNames slot when matchAt found it there (fieldNames then holds it), else -1. */
  private addSpan(bytes: Uint8Array, start: number, base: number, slot: number): void {
    const scan = this.scan;
    const spans = this.spans;
    const n = this.spanCount;
    const flags = scan[FIELD_FLAGS]!;
    const k = n / SPAN;
    if (slot < 0) slot = fieldNames.lookup(bytes, start, scan[NAME_END]!);
    this.names[k] = fieldNames.name;
    this.lowerNames[k] = fieldNames.lower;
    if (this.state === S_HEAD) this.lastNames[k] = slot;
    spans[n] = start - base;
    spans[n + 1] = scan[NAME_END]! - base;
    spans[n + 2] = scan[VALUE_START]! - base;
    spans[n + 3] = scan[VALUE_END]! - base;
    spans[n + 4] = flags;
    this.spanCount = n + SPAN;
    if ((flags & VALUE_HAS_NON_ASCII) !== 0) this.nonAscii = true;
  }

  /** Decode section bytes [from, to) (section-relative) of `bytes` whose section starts at `base`. */
  private decode(bytes: Uint8Array, base: number, from: number, to: number): string {
    if (this.nonAscii) return latin1(bytes, base + from, base + to);
    if (base + from === 0 && base + to === bytes.length) return ASCII.decode(bytes);
    return ASCII.decode(bytes.subarray(base + from, base + to));
  }

  /** Fields from the recorded names and spans; the values are in `text`, where the section's byte 0
   * is at `at` (negative when the text starts later in the section). */
  private buildFields(text: string, at: number): Fields {
    const fields = new Fields();
    const spans = this.spans;
    for (let i = 0, k = 0; i < this.spanCount; i += SPAN, k++) {
      fields.append(this.names[k]!, text.slice(at + spans[i + 2]!, at + spans[i + 3]!), this.lowerNames[k]!);
    }
    return fields;
  }

  /** The text of the head in `bytes` from `base` (the request line starts the section: leading empty
   * lines were dropped), headBytes long, starting at `textAt` in the returned string. Decoded whole
   * with its terminators, which in the usual chunk holding one request is the whole chunk (no
   * subarray); taken from the text decoded ahead for an earlier head when it is still good. */
  private headText(bytes: Uint8Array, base: number): string {
    const end = base + this.headBytes;
    this.textAt = 0;
    if (this.nonAscii || bytes === this.sec) {
      this.aheadText = null;
      return this.decode(bytes, base, 0, this.headBytes);
    }
    const kept = this.aheadText;
    if (kept !== null && bytes === this.textChunk && end - this.textStart <= kept.length) {
      this.textAt = base - this.textStart;
      return kept;
    }
    // More bytes after a head without a body: the next requests of a pipelined batch, decoded with it.
    const ahead = end < bytes.length && !this.mayHaveBody() ? Math.min(bytes.length, base + DECODE_AHEAD * this.headBytes) : end;
    const text = base === 0 && ahead === bytes.length ? ASCII.decode(bytes) : ASCII.decode(bytes.subarray(base, ahead));
    this.aheadText = ahead > end ? text : null;
    this.textChunk = bytes;
    this.textStart = base;
    return text;
  }

  /** The head being completed has a Content-Length or Transfer-Encoding field (its body, not more
   * heads, may follow it). */
  private mayHaveBody(): boolean {
    const lowerNames = this.lowerNames;
    for (let k = 0; k < this.spanCount / SPAN; k++) {
      const name = lowerNames[k];
      if (name === "content-length" || name === "transfer-encoding") return true;
    }
    return false;
  }

  private completeHead(bytes: Uint8Array, base: number, line: RequestLineSpans): number {
    const text = this.headText(bytes, base);
    const at = this.textAt;
    const fields = this.buildFields(text, at);
    const meaning = interpretHead(line, fields, this.limits);
    if (typeof meaning === "string") return this.fail(meaning);
    // What follows is a body: the text decoded ahead no longer matches the bytes one to one.
    if (meaning.bodyKind !== "none") this.aheadText = null;
    const head: RequestHead = {
      method: standardMethod(text.slice(at, at + line.methodEnd)),
      target: text.slice(at + line.targetStart, at + line.targetEnd),
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
    this.remember(head, bytes, base);
    this.deliver(head);
    return LINE_DONE;
  }

  /** Keep `head` and a copy of its bytes (from `base` in `bytes`) for repeatedHead. */
  private remember(head: RequestHead, bytes: Uint8Array, base: number): void {
    const n = head.headBytes;
    if (n > MAX_REPEATED_HEAD_BYTES) {
      this.lastHead = null;
      return;
    }
    if (this.lastHeadBytes.length === 0) this.lastHeadBytes = new Uint8Array(MAX_REPEATED_HEAD_BYTES);
    this.lastHeadBytes.set(bytes.subarray(base, base + n));
    // Its own copy of the fields: whoever receives `head` may change head.fields.
    this.lastHead = { ...head, fields: head.fields.clone() };
  }

  /**
   * The head at `pos` is byte for byte the last one handed out (CRLF CRLF included, all within this
   * chunk): hand out a copy of that head, exactly as reading it would (same limits, same leniency, same
   * bytes: the same verdict and the same strings), and return the position after it. Else -1, and
   * nothing changed. Compares at most MAX_REPEATED_HEAD_BYTES bytes, stopping at the first difference.
   */
  private repeatedHead(chunk: Uint8Array, pos: number, end: number): number {
    const last = this.lastHead;
    if (last === null) return -1;
    const n = last.headBytes;
    if (end - pos < n) return -1;
    if (!bytesEqualAt(chunk, pos, this.lastHeadBytes, n)) return -1;
    this.inMessage = true;
    this.deliver(copyHead(last));
    return pos + n;
  }

  repeatedRequest(chunk: Uint8Array): RequestHead | null {
    const last = this.lastHead;
    if (last === null || last.bodyKind !== "none" || chunk.length !== last.headBytes || !this.pristine) return null;
    if (!bytesEqualAt(chunk, 0, this.lastHeadBytes, last.headBytes)) return null;
    // Read by feed, this chunk would be one bodyless message, after which the parser is pristine again,
    // as it is now: nothing to change.
    return copyHead(last);
  }

  /** A complete head: reset the section, enter its body (or end the message) and call back. */
  private deliver(head: RequestHead): void {
    // Reset the section for what follows before any callback runs.
    this.resetSection();
    this.fieldBytes = 0;
    this.headBytes = 0;
    this.leadingBytes = 0;
    if (head.bodyKind === "chunked") {
      this.state = S_CHUNK_FRAMING;
      this.chunked.startBody();
      this.cb.onHead(head);
    } else if (head.contentLength > 0) {
      this.state = S_BODY;
      this.remaining = head.contentLength;
      this.cb.onHead(head);
    } else {
      // No body: onEnd follows at once, even if onHead paused (its last byte is consumed).
      this.cb.onHead(head);
      this.endMessage(null);
    }
  }

  private completeTrailers(bytes: Uint8Array, base: number): number {
    const spans = this.spans;
    const n = this.spanCount;
    let trailers: Fields | null = null;
    // The trailer section starts with its first field line: decode from there to the last value's end.
    if (n > 0) trailers = this.buildFields(this.decode(bytes, base, 0, spans[n - 2]!), 0);
    this.resetSection();
    this.endMessage(trailers);
    return LINE_DONE;
  }

  /** Forget the section just handed out (before any callback runs, so `idle` is right inside them). */
  private resetSection(): void {
    if (this.sec.length > RETAINED_SECTION_BUFFER) this.sec = NO_BYTES;
    this.buffered = false;
    this.secLen = 0;
    this.lineStart = 0;
    this.line = null;
    this.spanCount = 0;
    this.nonAscii = false;
  }

  private endMessage(trailers: Fields | null): void {
    this.state = S_HEAD;
    this.inMessage = false;
    this.cb.onEnd(trailers);
  }
}

/** A remembered head as a new head for a receiver (who may change its fields: they are copied too). */
function copyHead(last: RequestHead): RequestHead {
  return {
    method: last.method,
    target: last.target,
    targetForm: last.targetForm,
    versionMinor: last.versionMinor,
    fields: last.fields.clone(),
    keepAlive: last.keepAlive,
    expectContinue: last.expectContinue,
    upgrade: last.upgrade,
    bodyKind: last.bodyKind,
    contentLength: last.contentLength,
    headBytes: last.headBytes,
  };
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
