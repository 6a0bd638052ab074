// The field section of a request (RFC 9110 §5, RFC 9112 §5): ordered field lines, duplicates kept,
// case-insensitive lookup. Filled by the parser, read by the connection and handlers.

import { COLON, FIELD_VALUE_CHAR, HTAB, SP, TCHAR, latin1 } from "./bytes.ts";
import type { HttpErrorKind } from "./errors.ts";

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
    const key = name.toLowerCase();
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === key) return this.values[i]!;
    return null;
  }

  /** Every value of `name` (any case), in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === key) out.push(this.values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
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

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/**
 * Parse one field line, bytes [start, end) with its line terminator already removed, and append it to
 * `fields`. Returns null, or the kind of error (RFC 9112 §5):
 * - a line starting with SP/HTAB is obsolete line folding (§5.2), refused: "obs_fold";
 * - the name must be a non-empty token and be followed directly by ":" (§5.1: no whitespace between
 *   name and colon, "a server MUST reject"): "bad_field_name";
 * - the value, OWS-trimmed, may hold only HTAB, SP, VCHAR and obs-text: "bad_field_value".
 */
export function parseFieldLine(bytes: Uint8Array, start: number, end: number, fields: Fields): HttpErrorKind | null {
  const first = bytes[start]!;
  if (first === SP || first === HTAB) return "obs_fold";
  let i = start;
  let hasUpper = false;
  for (; i < end; i++) {
    const b = bytes[i]!;
    if (TCHAR[b] === 0) break;
    if (b >= UPPER_A && b <= UPPER_Z) hasUpper = true;
  }
  if (i === start || i === end || bytes[i] !== COLON) return "bad_field_name";
  const colon = i;
  // Leading OWS of the value.
  let v = colon + 1;
  while (v < end && (bytes[v] === SP || bytes[v] === HTAB)) v++;
  // Trailing OWS.
  let e = end;
  while (e > v && (bytes[e - 1] === SP || bytes[e - 1] === HTAB)) e--;
  for (let j = v; j < e; j++) if (FIELD_VALUE_CHAR[bytes[j]!] === 0) return "bad_field_value";
  // One decode for name and value together, then two slices: fewer calls into the decoder.
  const text = latin1(bytes, start, e);
  const name = text.slice(0, colon - start);
  const value = v < e ? text.slice(v - start) : "";
  fields.append(name, value, hasUpper ? name.toLowerCase() : name);
  return null;
}
