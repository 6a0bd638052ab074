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

/** Strings kept per field line in Fields: its name, the name lowercased, its value. */
const STRIDE = 3;
const NAME = 0;
const LOWER_NAME = 1;
const VALUE = 2;

/** The lines of every Fields until its first append (never changed: append copies shared lines). */
const NO_LINES: string[] = [];

/** Ordered field lines as received. Names keep their original case; values are OWS-trimmed. Lookup
 * lowercases the asked name once and compares with names lowercased once at parse time. */
export class Fields {
  /** STRIDE strings per field line, in order (one array per head rather than one per part). */
  private lines: string[] = NO_LINES;
  /** `lines` is shared (with a clone, or the empty NO_LINES): copied before this Fields changes it. */
  private shared = true;

  /** Fields from [name, value] pairs (tests, trailers built by hand). Names and values are taken as
   * given: only the parser validates. */
  constructor(pairs?: Iterable<readonly [string, string]>) {
    // The loop lives elsewhere, so this constructor stays small enough to be inlined where the parser
    // makes a Fields per request (`clone`).
    if (pairs) this.appendPairs(pairs);
  }

  private appendPairs(pairs: Iterable<readonly [string, string]>): void {
    for (const [name, value] of pairs) this.append(name, value);
  }

  get length(): number {
    return this.lines.length / STRIDE;
  }

  /** Name of the i-th field line, as received. */
  name(i: number): string {
    return this.lines[i * STRIDE + NAME]!;
  }

  /** Name of the i-th field line, lowercased. */
  lowerName(i: number): string {
    return this.lines[i * STRIDE + LOWER_NAME]!;
  }

  /** Value of the i-th field line, leading and trailing OWS removed. */
  value(i: number): string {
    return this.lines[i * STRIDE + VALUE]!;
  }

  /** First value of `name` (any case), or null. */
  get(name: string): string | null {
    const i = this.indexOf(name);
    return i < 0 ? null : this.value(i);
  }

  /** Every value of `name` (any case), in order. */
  getAll(name: string): string[] {
    const key = toLowerAscii(name);
    const out: string[] = [];
    const lines = this.lines;
    for (let at = 0; at < lines.length; at += STRIDE) if (lines[at + LOWER_NAME] === key) out.push(lines[at + VALUE]!);
    return out;
  }

  /** Index of the first field line named `name` (any case), or -1. */
  indexOf(name: string): number {
    const key = toLowerAscii(name);
    const lines = this.lines;
    for (let at = 0; at < lines.length; at += STRIDE) if (lines[at + LOWER_NAME] === key) return at / STRIDE;
    return -1;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const lines = this.lines;
    for (let at = 0; at < lines.length; at += STRIDE) yield [lines[at + NAME]!, lines[at + VALUE]!];
  }

  /** A web Headers with every field line appended in order (repeated names are joined by the Headers
   * class itself, Set-Cookie excepted). Cannot throw for parsed fields: the parser already refused
   * every name and value the Headers class would refuse. */
  toHeaders(): Headers {
    const headers = new Headers();
    const lines = this.lines;
    for (let at = 0; at < lines.length; at += STRIDE) headers.append(lines[at + NAME]!, lines[at + VALUE]!);
    return headers;
  }

  /** A copy with the same field lines (the parser gives each head of a repeated head its own). Both
   * share the lines until either is changed, so a copy that is only read costs one small object. */
  clone(): Fields {
    const copy = new Fields();
    copy.lines = this.lines;
    copy.shared = true;
    this.shared = true;
    return copy;
  }

  /** Add a field line. `lowerName` may be passed when the caller already has it. */
  append(name: string, value: string, lowerName: string = name.toLowerCase()): void {
    if (this.shared) {
      this.lines = this.lines.slice();
      this.shared = false;
    }
    this.lines.push(name, lowerName, value);
  }
}


/** Flag scanField sets in `out[FIELD_FLAGS]`: the value holds obs-text (a byte >= 0x80). */
export const VALUE_HAS_NON_ASCII = 2;
/** Indexes into scanField's `out`. */
export const NAME_END = 0;
export const VALUE_START = 1;
export const VALUE_END = 2;
export const FIELD_FLAGS = 3;
/** What scanField returns when the line cannot be a field line, whatever follows. */
export const SCAN_OBS_FOLD = -1;
export const SCAN_BAD_NAME = -2;

/**
 * Scan a field line from `start` without decoding it: the name, its ":", OWS, then value bytes up to
 * the first byte that cannot be in a value, or `limit`. Returns where the value scan stopped (the name
 * end, the OWS-trimmed value bounds and flags are then in `out`), or SCAN_OBS_FOLD / SCAN_BAD_NAME.
 * Given the end of the line as `limit`, the line is valid when the scan stops at `limit`
 * (scanFieldLine). Given the end of the chunk, a scan that stops at a CRLF has found a complete valid
 * line without looking for its LF first: CR and LF are never value bytes (the parser's fast path).
 */
export function scanField(bytes: Uint8Array, start: number, limit: number, out: number[]): number {
  const first = bytes[start]!;
  if (first === SP || first === HTAB) return SCAN_OBS_FOLD;
  let i = start;
  while (i < limit && TCHAR[bytes[i]!] === 1) i++;
  if (i === start || i === limit || bytes[i] !== COLON) return SCAN_BAD_NAME;
  return scanFieldValue(bytes, i, limit, out);
}

/** The second half of scanField, from the ":" ending a valid name at `colon` (for a name already
 * known valid, such as one found in the name cache). */
export function scanFieldValue(bytes: Uint8Array, colon: number, limit: number, out: number[]): number {
  let v = colon + 1;
  while (v < limit && (bytes[v] === SP || bytes[v] === HTAB)) v++;
  // Value bytes are nearly always ASCII: a tight loop over them, four at a time while all four are
  // (one branch per four bytes), stepping over obs-text one byte at a time.
  let flags = 0;
  let j = v;
  for (;;) {
    while (j + 4 <= limit && (ASCII_VALUE_CHAR[bytes[j]!]! & ASCII_VALUE_CHAR[bytes[j + 1]!]! & ASCII_VALUE_CHAR[bytes[j + 2]!]! & ASCII_VALUE_CHAR[bytes[j + 3]!]!) === 1) j += 4;
    while (j < limit && ASCII_VALUE_CHAR[bytes[j]!] === 1) j++;
    if (j === limit || bytes[j]! < FIRST_NON_ASCII) break;
    flags = VALUE_HAS_NON_ASCII;
    j++;
  }
  let e = j;
  while (e > v && (bytes[e - 1] === SP || bytes[e - 1] === HTAB)) e--;
  out[NAME_END] = colon;
  out[VALUE_START] = v;
  out[VALUE_END] = e;
  out[FIELD_FLAGS] = flags;
  return j;
}

/**
 * Check one field line, bytes [start, end) with its line terminator already removed: null (and
 * scanField's results in `out`) if it is valid, else the kind of error (RFC 9112 §5):
 * - a line starting with SP/HTAB is obsolete line folding (§5.2), refused: "obs_fold";
 * - the name must be a non-empty token and be followed directly by ":" (§5.1: no whitespace between
 *   name and colon, "a server MUST reject"): "bad_field_name";
 * - the value, OWS-trimmed, may hold only HTAB, SP, VCHAR and obs-text: "bad_field_value".
 */
export function scanFieldLine(bytes: Uint8Array, start: number, end: number, out: number[]): HttpErrorKind | null {
  const stop = scanField(bytes, start, end, out);
  if (stop === SCAN_OBS_FOLD) return "obs_fold";
  if (stop === SCAN_BAD_NAME) return "bad_field_name";
  return stop === end ? null : "bad_field_value";
}

/** The ASCII part of FIELD_VALUE_CHAR (HTAB, SP, VCHAR); obs-text is handled apart to flag it. */
const ASCII_VALUE_CHAR = FIELD_VALUE_CHAR.map((ok, b) => (b < FIRST_NON_ASCII ? ok : 0));

const scratch = [0, 0, 0, 0];

/** scanFieldLine, then decode and append the field to `fields` (for callers holding one line). */
export function parseFieldLine(bytes: Uint8Array, start: number, end: number, fields: Fields): HttpErrorKind | null {
  const error = scanFieldLine(bytes, start, end, scratch);
  if (error !== null) return error;
  const name = latin1(bytes, start, scratch[NAME_END]!);
  const value = latin1(bytes, scratch[VALUE_START]!, scratch[VALUE_END]!);
  fields.append(name, value, toLowerAscii(name));
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

// ---------------------------------------------------------------------------------------------------
// Field names seen before, by their bytes

/** Slots in the name cache: far more than the distinct spellings a client sends (a browser: ~15). */
const NAME_SLOTS = 256;
/** Longer names are not cached (they are rare and would make the byte store large). */
const MAX_CACHED_NAME = 32;
/** Where a name of these bytes would be: its length and three of its bytes (first, middle, last),
 * mixed, rounded down to an even slot. Cheap, and spreads the usual names well. */
function nameSlot(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  return (n * 25 + bytes[start]! * 61 + bytes[end - 1]! * 57 + bytes[start + (n >> 1)]!) & (NAME_SLOTS - 2);
}

/**
 * The field names a client sends repeat request after request, in the same spelling: each spelling
 * seen is remembered with its lowercase form, so a known name costs no decoding, no string and no
 * lowercasing, only a comparison with its bytes. Two ways per slot (an even slot and the odd one
 * after it): a new name takes a free one, else the odd one. Bounded: NAME_SLOTS names at most.
 */
class NameCache {
  /** The result of the last lookup() or matchAt(): the name as received and its lowercase form. */
  name = "";
  lower = "";
  /** Names as received (exact case), by slot; "" for a free slot. */
  private readonly names: string[] = new Array<string>(NAME_SLOTS).fill("");
  /** Their lowercase forms (KNOWN_NAMES constants where known). */
  private readonly lowers: string[] = new Array<string>(NAME_SLOTS).fill("");
  /** Each slot's name bytes, MAX_CACHED_NAME bytes per slot (comparing bytes with bytes is cheaper
   * than with a string's char codes). */
  private readonly bytes = new Uint8Array(NAME_SLOTS * MAX_CACHED_NAME);

  /** Set `name` and `lower` for the valid field name in bytes [start, end) (a token, so ASCII),
   * remembering it if new. Returns its slot, or -1 for a name too long to keep. */
  lookup(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const slot = nameSlot(bytes, start, end);
    const hit = this.holds(slot, bytes, start, length) ? slot : this.holds(slot + 1, bytes, start, length) ? slot + 1 : -1;
    if (hit >= 0) {
      this.name = this.names[hit]!;
      this.lower = this.lowers[hit]!;
      return hit;
    }
    const name = latin1(bytes, start, end);
    const lower = knownLowerName(bytes, start, end) ?? toLowerAscii(name);
    this.name = name;
    this.lower = lower;
    if (length > MAX_CACHED_NAME) return -1;
    const free = this.names[slot] === "" ? slot : slot + 1;
    this.names[free] = name;
    this.lowers[free] = lower;
    this.bytes.set(bytes.subarray(start, end), free * MAX_CACHED_NAME);
    return free;
  }

  /** When the name in `slot` is at bytes[start…] and directly followed by ":" (before `limit`): set
   * `name` and `lower` and return where the ":" is. Else -1. A match is a valid name: only valid
   * names are kept. */
  matchAt(slot: number, bytes: Uint8Array, start: number, limit: number): number {
    const length = this.names[slot]!.length;
    const colon = start + length;
    if (length === 0 || colon >= limit || bytes[colon] !== COLON || !this.holds(slot, bytes, start, length)) return -1;
    this.name = this.names[slot]!;
    this.lower = this.lowers[slot]!;
    return colon;
  }

  private holds(slot: number, bytes: Uint8Array, start: number, length: number): boolean {
    if (this.names[slot]!.length !== length) return false;
    const cached = this.bytes;
    const at = slot * MAX_CACHED_NAME;
    for (let i = 0; i < length; i++) if (cached[at + i] !== bytes[start + i]) return false;
    return true;
  }
}

export const fieldNames = new NameCache();
