// The framing bytes of the chunked transfer coding (RFC 9112 §7.1): chunk-size lines and the CRLF after
// each chunk's data, read byte by byte. The data itself and the trailer section are the parser's
// (parser.ts): this reader stops when `size` data bytes follow, or when the last chunk was announced.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// CRLF is required everywhere: a bare LF here is always refused, whatever leniency.allowBareLf says
// (see "Bare LF policy" in parser.ts).

import { CR, DEL, HEX_VALUE, HTAB, LF, SEMICOLON, SP } from "./bytes.ts";
import type { HttpErrorKind } from "./errors.ts";
import type { Limits } from "./options.ts";

/** Where the reader is. The parser looks at `state` after each `read`. */
export const CHUNK_SIZE = 0; // hex digits of a chunk-size
export const CHUNK_EXT = 1; // after the digits: BWS, then ";" chunk-ext, up to CR
export const CHUNK_SIZE_LF = 2; // the LF closing a chunk-size line
export const CHUNK_DATA = 3; // done: `size` bytes of data follow (the parser passes them on)
export const CHUNK_DATA_CR = 4; // the CRLF required after chunk data
export const CHUNK_DATA_LF = 5;
export const CHUNK_LAST = 6; // done: the last chunk was announced; the trailer section follows
export const CHUNK_FAILED = 7; // `error` says why

/** Hex digits accepted in one chunk-size. 16 digits cover any 64-bit size; the bound only stops an
 * endless run of leading zeros (the value itself is guarded against overflow separately). */
const MAX_CHUNK_SIZE_DIGITS = 16;
const HEX_RADIX = 16;

export class ChunkFraming {
  state = CHUNK_SIZE;
  /** Size of the chunk announced by the last size line (valid in CHUNK_DATA). */
  size = 0;
  error: HttpErrorKind | null = null;
  private readonly limits: Limits;
  /** Body bytes announced by chunk sizes so far, for maxBodyBytes. */
  private bodyTotal = 0;
  private digits = 0;
  /** Bytes after the digits on the size line (BWS and chunk-ext), for maxChunkExtensionBytes. */
  private extBytes = 0;
  /** Set once the chunk-ext has started with ";" (before it only BWS may appear). */
  private extStarted = false;

  constructor(limits: Limits) {
    this.limits = limits;
  }

  /** A new chunked body starts. */
  startBody(): void {
    this.bodyTotal = 0;
    this.error = null;
    this.startSizeLine();
  }

  /** The parser passed on the `size` data bytes: the CRLF after them comes next. */
  dataDone(): void {
    this.state = CHUNK_DATA_CR;
  }

  /** Read framing bytes from chunk[pos, end) until data follows (CHUNK_DATA), the last chunk is
   * announced (CHUNK_LAST), the bytes run out, or they are refused (CHUNK_FAILED). Returns the new
   * position. */
  read(chunk: Uint8Array, pos: number, end: number): number {
    const limits = this.limits;
    while (pos < end) {
      const b = chunk[pos]!;
      switch (this.state) {
        case CHUNK_SIZE: {
          const digit = HEX_VALUE[b]!;
          if (digit >= 0) {
            // Overflow guard: the size must stay a safe integer.
            if (++this.digits > MAX_CHUNK_SIZE_DIGITS) return this.fail("bad_chunk", end);
            const size = this.size * HEX_RADIX + digit;
            if (size > Number.MAX_SAFE_INTEGER) return this.fail("bad_chunk", end);
            this.size = size;
            pos++;
            continue;
          }
          if (this.digits === 0) return this.fail(b === LF ? "bare_lf" : "bad_chunk", end);
          // The size is known: refuse before reading data that would pass maxBodyBytes.
          this.bodyTotal += this.size;
          if (this.bodyTotal > limits.maxBodyBytes) return this.fail("body_too_large", end);
          this.state = CHUNK_EXT;
          continue; // the same byte, seen by CHUNK_EXT
        }
        case CHUNK_EXT:
          if (b === CR) {
            this.state = CHUNK_SIZE_LF;
          } else if (b === LF) {
            return this.fail("bare_lf", end);
          } else {
            // Only BWS may come before the first ";"; after it, any byte but a CTL (checked loosely).
            if (b === SEMICOLON) this.extStarted = true;
            else if (!this.extStarted && b !== SP && b !== HTAB) return this.fail("bad_chunk", end);
            else if ((b < SP && b !== HTAB) || b === DEL) return this.fail("bad_chunk", end);
            if (++this.extBytes > limits.maxChunkExtensionBytes) return this.fail("chunk_extension_too_long", end);
          }
          pos++;
          continue;
        case CHUNK_SIZE_LF:
          if (b !== LF) return this.fail("bad_chunk", end);
          // Whitespace after the size with no extension after it.
          if (!this.extStarted && this.extBytes > 0) return this.fail("bad_chunk", end);
          this.state = this.size === 0 ? CHUNK_LAST : CHUNK_DATA;
          return pos + 1;
        case CHUNK_DATA_CR:
          if (b !== CR) return this.fail(b === LF ? "bare_lf" : "bad_chunk", end);
          this.state = CHUNK_DATA_LF;
          pos++;
          continue;
        case CHUNK_DATA_LF:
          if (b !== LF) return this.fail("bad_chunk", end);
          this.startSizeLine();
          pos++;
          continue;
        default:
          // CHUNK_DATA, CHUNK_LAST, CHUNK_FAILED: nothing for this reader to read.
          return pos;
      }
    }
    return pos;
  }

  private startSizeLine(): void {
    this.state = CHUNK_SIZE;
    this.size = 0;
    this.digits = 0;
    this.extBytes = 0;
    this.extStarted = false;
  }

  private fail(kind: HttpErrorKind, end: number): number {
    this.state = CHUNK_FAILED;
    this.error = kind;
    return end;
  }
}
