// Byte-level helpers for the request parser: named byte constants, 256-entry lookup tables for the
// character classes of RFC 9110 §5.6.2 (tchar), §5.5 (field-vchar) and RFC 3986 (request-target, host),
// and one latin1 decoder. Tables instead of regexes: the parser classifies every byte of every head.

export const HTAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const SLASH = 0x2f;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;
export const STAR = 0x2a;
export const DEL = 0x7f;

function table(accept: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accept(b) ? 1 : 0;
  return t;
}

const isAlpha = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const inSet = (set: string) => (b: number) => set.includes(String.fromCharCode(b));

/** tchar (RFC 9110 §5.6.2): the characters of a token (method, field name, transfer coding). */
export const TCHAR = table((b) => isAlpha(b) || isDigit(b) || inSet("!#$%&'*+-.^_`|~")(b));

/** Bytes allowed inside a field value (RFC 9110 §5.5): HTAB, SP, VCHAR and obs-text. Every CTL other
 * than HTAB (NUL, CR, LF, …) and DEL is refused. */
export const FIELD_VALUE_CHAR = table((b) => b === HTAB || (b >= SP && b !== DEL));

/** Bytes allowed in a request-target: visible ASCII (RFC 3986 characters, plus the few unsafe ones
 * such as `|` or `{` that real clients send unescaped in queries). Refused: CTLs, SP, DEL, non-ASCII
 * (must be percent-encoded) and `#` (a fragment is never part of a request-target, RFC 9112 §3.2). */
export const TARGET_CHAR = table((b) => b > SP && b < DEL && b !== 0x23);

/** reg-name / IPv4 characters of a uri-host (RFC 3986 §3.2.2): unreserved, sub-delims and `%` of a
 * pct-encoding. Used for Host and authority-form targets. */
export const HOST_CHAR = table((b) => isAlpha(b) || isDigit(b) || inSet("-._~!$&'()*+,;=%")(b));

/** Characters inside the brackets of an IP-literal (IPv6 or IPvFuture, RFC 3986 §3.2.2). */
export const IP_LITERAL_CHAR = table((b) => isAlpha(b) || isDigit(b) || inSet(":.-_~!$&'()*+,;=")(b));

/** Characters of a URI scheme after its first letter (RFC 3986 §3.1). */
export const SCHEME_CHAR = table((b) => isAlpha(b) || isDigit(b) || inSet("+-.")(b));

/** Value of a hex digit, or -1. */
export const HEX_VALUE = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let d = 0; d < 10; d++) t[0x30 + d] = d;
  for (let d = 0; d < 6; d++) {
    t[0x41 + d] = 10 + d;
    t[0x61 + d] = 10 + d;
  }
  return t;
})();

export const isAlphaByte = isAlpha;
export const isDigitByte = isDigit;

/** Most arguments passed to one String.fromCharCode.apply call (engines cap argument counts). */
const DECODE_SLICE = 8192;

/** Decode bytes [start, end) as latin1: byte n becomes U+00nn, exactly. TextDecoder("latin1") is not
 * used because the Encoding Standard maps that label to windows-1252 (0x80 becomes "€"), which would
 * change obs-text bytes and make them unacceptable to the web Headers class. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= DECODE_SLICE) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let out = "";
  for (let i = start; i < end; i += DECODE_SLICE) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + DECODE_SLICE)) as unknown as number[]);
  }
  return out;
}

/** `bytes[at, at + length)` holds exactly `expected`'s first `length` bytes (stops at the first
 * difference). Used by the memos that hand out a previous result for a repeated input (parser.ts
 * repeatedHead, pool/ring.ts). */
export function bytesEqualAt(bytes: Uint8Array, at: number, expected: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

/** ASCII lowercase of each byte (A-Z → a-z, everything else unchanged). */
export const LOWER = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
  return t;
})();

/** `text` equals `lower` (an all-lowercase ASCII string) ignoring ASCII case, without allocating (a
 * toLowerCase per check is what it replaces: on some engines it costs more than parsing the line). */
export function equalsIgnoreCase(text: string, lower: string): boolean {
  if (text.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 256 ? LOWER[c]! : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

// Small buffers cut from a shared slab, as Node's Buffer pool does: on Node 20 `new Uint8Array(n)` for n
// above 64 bytes costs a separate backing-store allocation (measured ~3x a slab view,
// scripts/bench-response.ts). Each caller still gets its own non-overlapping bytes; a slab lives as long
// as any view into it. Consequence: never transfer or detach the `.buffer` of a returned array. The slab
// is small (Node's pool is 8 KiB too) so that a view held by a stalled connection's write queue pins at
// most 8 KiB; anything over 2 KiB gets its own buffer, where the allocation is amortised anyway.
const SLAB_BYTES = 8 * 1024;
const MAX_SLAB_ALLOCATION = 2 * 1024;

export class Slab {
  #slab = new Uint8Array(0);
  #offset = 0;

  /** `size` bytes that no other caller gets. */
  take(size: number): Uint8Array {
    if (size > MAX_SLAB_ALLOCATION) return new Uint8Array(size);
    if (this.#offset + size > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#offset = 0;
    }
    // Unaligned on purpose: what is cut one after another sits back to back, so the connection can write
    // a pipelined batch of responses as one view instead of copying it together.
    const view = this.#slab.subarray(this.#offset, this.#offset + size);
    this.#offset += size;
    return view;
  }
}
