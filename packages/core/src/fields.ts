// The field section of a request (RFC 9110 §5, RFC 9112 §5): ordered field lines, duplicates kept,
// case-insensitive lookup. Filled by the parser, read by the connection and handlers.

import { COLON, FIELD_VALUE_CHAR, HTAB, LOWER, SP, TCHAR, latin1 } from "./bytes.ts";
import type { HttpErrorKind } from "./errors.ts";

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const FIRST_NON_ASCII = 0x80;

/** `name` lowercased; the same string when it has no uppercase ASCII letter (the usual case for a
 * lookup key such as "host"), which skips an allocation on every lookup. */
function toLowerAscii(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= UPPER_A && c <= UPPER_Z) || c >= FIRST_NON_ASCII) return name.toLowerCase();
  }
  return name;
}

/** Ordered field lines as received. Names keep their original case; values are OWS-trimmed. Lookup
 * lowercases the asked name once and compares with names lowercased once at parse time. */
export class Fields {
  private readonly names: string[] = [];
  private readonly lower: string[] = [];
  private readonly values: string[] = [];

  /** Fields from [name, value] pairs (tests, trailers built by hand). Names and values are taken as
   * given: only the parser validates. */
  constructor(pairs?: Iterable<readonly [string, string]>) {
    if (pairs) for (const [name, value] of pairs) this.append(name, value);
  }

  get length(): number {
    return this.names.length;
  }

  /** Name of the i-th field line, as received. */
  name(i: number): string {
    return this.names[i]!;
  }

  /** Name of the i-th field line, lowercased. */
  lowerName(i: number): string {
    return this.lower[i]!;
  }

  /** Value of the i-th field line, leading and trailing OWS removed. */
  value(i: number): string {
    return this.values[i]!;
  }

  /** First value of `name` (any case), or null. */
  get(name: string): string | null {
    const i = this.indexOf(name);
    return i < 0 ? null : this.values[i]!;
  }

  /** Every value of `name` (any case), in order. */
  getAll(name: string): string[] {
    const key = toLowerAscii(name);
    const out: string[] = [];
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === key) out.push(this.values[i]!);
    return out;
  }

  /** Index of the first field line named `name` (any case), or -1. */
  indexOf(name: string): number {
    const key = toLowerAscii(name);
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === key) return i;
    return -1;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i]!, this.values[i]!];
  }

  /** A web Headers with every field line appended in order (repeated names are joined by the Headers
   * class itself, Set-Cookie excepted). Cannot throw for parsed fields: the parser already refused
   * every name and value the Headers class would refuse. */
  toHeaders(): Headers {
    const headers = new Headers();
    for (let i = 0; i < this.names.length; i++) headers.append(this.names[i]!, this.values[i]!);
    return headers;
  }

  /** Add a field line. `lowerName` may be passed when the caller already has it. */
  append(name: string, value: string, lowerName: string = name.toLowerCase()): void {
    this.names.push(name);
    this.lower.push(lowerName);
    this.values.push(value);
  }
}


/** Flags scanFieldLine sets in `out[FIELD_FLAGS]`. */
export const NAME_HAS_UPPER = 1;
export const VALUE_HAS_NON_ASCII = 2;
/** Indexes into scanFieldLine's `out`. */
export const NAME_END = 0;
export const VALUE_START = 1;
export const VALUE_END = 2;
export const FIELD_FLAGS = 3;

/**
 * Check one field line, bytes [start, end) with its line terminator already removed, without decoding
 * it: on success write the name end, the OWS-trimmed value bounds and flags into `out` and return null;
 * else return the kind of error (RFC 9112 §5):
 * - a line starting with SP/HTAB is obsolete line folding (§5.2), refused: "obs_fold";
 * - the name must be a non-empty token and be followed directly by ":" (§5.1: no whitespace between
 *   name and colon, "a server MUST reject"): "bad_field_name";
 * - the value, OWS-trimmed, may hold only HTAB, SP, VCHAR and obs-text: "bad_field_value".
 */
export function scanFieldLine(bytes: Uint8Array, start: number, end: number, out: number[]): HttpErrorKind | null {
  const first = bytes[start]!;
  if (first === SP || first === HTAB) return "obs_fold";
  // One table lookup per byte both checks it and says which flag it sets (see NAME_CLASS/VALUE_CLASS).
  let name = 0;
  let i = start;
  for (; i < end; i++) {
    const c = NAME_CLASS[bytes[i]!]!;
    if (c === 0) break;
    name |= c;
  }
  if (i === start || i === end || bytes[i] !== COLON) return "bad_field_name";
  let v = i + 1;
  while (v < end && (bytes[v] === SP || bytes[v] === HTAB)) v++;
  let e = end;
  while (e > v && (bytes[e - 1] === SP || bytes[e - 1] === HTAB)) e--;
  let value = CLASS_OK;
  for (let j = v; j < e; j++) {
    const c = VALUE_CLASS[bytes[j]!]!;
    if (c === 0) return "bad_field_value";
    value |= c;
  }
  out[NAME_END] = i;
  out[VALUE_START] = v;
  out[VALUE_END] = e;
  out[FIELD_FLAGS] = (name & NAME_HAS_UPPER) | (value & VALUE_HAS_NON_ASCII);
  return null;
}

/** Byte classes for scanFieldLine: 0 refused, else CLASS_OK plus the flag the byte sets. */
const CLASS_OK = 4;
const NAME_CLASS = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    if (TCHAR[b] === 1) t[b] = CLASS_OK | (b >= UPPER_A && b <= UPPER_Z ? NAME_HAS_UPPER : 0);
  }
  return t;
})();
const VALUE_CLASS = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    if (FIELD_VALUE_CHAR[b] === 1) t[b] = CLASS_OK | (b >= FIRST_NON_ASCII ? VALUE_HAS_NON_ASCII : 0);
  }
  return t;
})();

const scratch = [0, 0, 0, 0];

/** scanFieldLine, then decode and append the field to `fields` (for callers holding one line). */
export function parseFieldLine(bytes: Uint8Array, start: number, end: number, fields: Fields): HttpErrorKind | null {
  const error = scanFieldLine(bytes, start, end, scratch);
  if (error !== null) return error;
  const name = latin1(bytes, start, scratch[NAME_END]!);
  const value = latin1(bytes, scratch[VALUE_START]!, scratch[VALUE_END]!);
  fields.append(name, value, (scratch[FIELD_FLAGS]! & NAME_HAS_UPPER) !== 0 ? name.toLowerCase() : name);
  return null;
}

/** Field names common in requests, lowercased. A name received in any case that matches one of these
 * gets this very string as its lowercase form: no toLowerCase per field (slow on some engines), and
 * later comparisons with the same constants are cheap. */
const KNOWN_NAMES = [
  "host", "connection", "keep-alive", "content-length", "content-type", "content-encoding",
  "transfer-encoding", "te", "trailer", "expect", "upgrade", "user-agent", "accept", "accept-encoding",
  "accept-language", "accept-charset", "cookie", "authorization", "cache-control", "pragma", "referer",
  "origin", "range", "if-none-match", "if-match", "if-modified-since", "if-unmodified-since", "if-range",
  "forwarded", "via", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip",
  "x-request-id", "x-requested-with", "dnt", "priority", "upgrade-insecure-requests", "sec-fetch-site",
  "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile",
  "sec-ch-ua-platform", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
  "sec-websocket-protocol",
];

/** KNOWN_NAMES grouped by length, each with its bytes. */
const KNOWN_BY_LENGTH: { bytes: number[]; name: string }[][] = [];
for (const name of KNOWN_NAMES) {
  (KNOWN_BY_LENGTH[name.length] ??= []).push({ bytes: Array.from(name, (c) => c.charCodeAt(0)), name });
}

/** The lowercase constant for the field name in bytes [start, end) if it is a known one, else null. */
export function knownLowerName(bytes: Uint8Array, start: number, end: number): string | null {
  const candidates = KNOWN_BY_LENGTH[end - start];
  if (candidates === undefined) return null;
  outer: for (const candidate of candidates) {
    const expected = candidate.bytes;
    for (let i = 0; i < expected.length; i++) if (LOWER[bytes[start + i]!] !== expected[i]) continue outer;
    return candidate.name;
  }
  return null;
}
