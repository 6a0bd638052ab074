// Validators, conditional requests and byte ranges for static files (RFC 9110 §8.8, §13, §14).
import type { FileStat } from "../ports.ts";

/** A strong ETag from size, modification time and inode (RFC 9110 §8.8.3). Strong, because the same
 * size+mtime+inode means the same bytes for a file on disk unless someone rewrote it within the mtime's
 * resolution, and a strong validator is what If-Range needs (§13.1.5). `variant` tells apart the
 * precompressed representations of one file (their bytes differ, so must their tags). */
export function etagOf(stat: FileStat, variant = ""): string {
  const parts = [stat.size.toString(16)];
  if (stat.mtimeMs !== null) parts.push(Math.floor(stat.mtimeMs).toString(16));
  if (stat.ino !== null) parts.push(stat.ino.toString(16));
  if (variant) parts.push(variant);
  return `"${parts.join("-")}"`;
}

/** Last-Modified value (IMF-fixdate, RFC 9110 §5.6.7), or null when the mtime is unknown. */
export const httpDate = (mtimeMs: number | null): string | null =>
  mtimeMs === null ? null : new Date(mtimeMs).toUTCString();

/** Weak comparison (§8.8.3.2): equal opaque-tags, W/ ignored on either side. */
const opaque = (tag: string): string => (tag.startsWith("W/") ? tag.slice(2) : tag);

/** Split an entity-tag list (`"a", W/"b"`); a comma can only appear inside quotes. */
function tagList(value: string): string[] {
  return value.match(/(?:W\/)?"[^"]*"|\*/g) ?? [];
}

/** Should a GET/HEAD be answered 304? If-None-Match wins over If-Modified-Since (§13.2.2 steps 3–4). */
export function isNotModified(headers: Headers, etag: string, mtimeMs: number | null): boolean {
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const wanted = opaque(etag);
    return tagList(ifNoneMatch).some((tag) => tag === "*" || opaque(tag) === wanted);
  }
  const ifModifiedSince = headers.get("if-modified-since");
  if (ifModifiedSince !== null && mtimeMs !== null) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have one-second resolution: compare whole seconds, or a file would never be "not
    // modified" against its own Last-Modified.
    if (!Number.isNaN(since)) return Math.floor(mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

/** If-Range (§13.1.5): the Range applies only if the validator still matches, else send the full file.
 * An entity-tag must match strongly; a date must equal Last-Modified exactly. */
export function ifRangeAllows(headers: Headers, etag: string, lastModified: string | null): boolean {
  const ifRange = headers.get("if-range");
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return !value.startsWith("W/") && value === etag;
  return lastModified !== null && value === lastModified;
}

export type RangeResult =
  | { kind: "none" } // no Range, or one we ignore: send 200 with the whole file
  | { kind: "single"; start: number; end: number } // 206, bytes [start, end] inclusive
  | { kind: "unsatisfiable" }; // 416 with `Content-Range: bytes */size`

const BYTE_RANGE = /^(\d*)-(\d*)$/;

/** Parse a Range header for a file of `size` bytes (§14.1.2). Deliberate choices:
 * - A syntactically invalid Range, a unit other than `bytes`, is ignored (§14.2: a server MAY ignore
 *   Range): the client gets the full file.
 * - Several ranges are ignored too (200, the whole file): multipart/byteranges costs complexity and is
 *   a known amplification vector (overlapping ranges), and the RFC allows ignoring Range.
 * - A single range wholly past the end (or a zero-length suffix) is unsatisfiable: 416. */
export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return { kind: "none" };
  const eq = header.indexOf("=");
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "none" };
  const spec = header.slice(eq + 1).trim();
  if (spec.includes(",")) return { kind: "none" };
  const match = BYTE_RANGE.exec(spec);
  if (!match) return { kind: "none" };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === "" && last === "") return { kind: "none" };
  if (first === "") {
    // suffix-range: the last N bytes (§14.1.2)
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "single", start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "none" }; // invalid: last < first
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "single", start, end };
}
