// The meaning of a request head: the request line (RFC 9112 §3), and, once every field line is in,
// Host, connection options and the body framing (RFC 9112 §6). Pure functions over bytes and Fields;
// the state machine that feeds them lives in parser.ts.

import {
  COLON,
  CR,
  HOST_CHAR,
  HTAB,
  IP_LITERAL_CHAR,
  LF,
  SCHEME_CHAR,
  SLASH,
  SP,
  STAR,
  TARGET_CHAR,
  TCHAR,
  equalsIgnoreCase,
  isAlphaByte,
  isDigitByte,
  latin1,
} from "./bytes.ts";
import type { HttpErrorKind } from "./errors.ts";
import type { Fields } from "./fields.ts";
import type { Limits } from "./options.ts";

export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";
export type BodyKind = "none" | "length" | "chunked";

/** Where the parts of a valid request line are, as byte offsets into the bytes it was parsed from.
 * The request line is all ASCII (tchar method, visible-ASCII target), so any decoder reads it. */
export interface RequestLineSpans {
  methodEnd: number;
  targetStart: number;
  targetEnd: number;
  targetForm: TargetForm;
  versionMinor: 0 | 1;
}

/** "HTTP/x.y" is exactly this long (RFC 9112 §2.3: one digit each side of the dot). */
const VERSION_LENGTH = 8;
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CONNECT = [0x43, 0x4f, 0x4e, 0x4e, 0x45, 0x43, 0x54];
const OPTIONS = [0x4f, 0x50, 0x54, 0x49, 0x4f, 0x4e, 0x53];

/**
 * Parse a request line, bytes [start, end) without its terminator (RFC 9112 §3):
 *   request-line = method SP request-target SP HTTP-version
 * Exactly one SP between parts; no leading or trailing whitespace (§3: a recipient SHOULD NOT try to
 * autocorrect, so we refuse). Returns offsets, not strings: the parser decodes the whole head once.
 */
export function parseRequestLine(bytes: Uint8Array, start: number, end: number): RequestLineSpans | HttpErrorKind {
  let i = start;
  while (i < end && TCHAR[bytes[i]!] === 1) i++;
  if (i === end || bytes[i] !== SP) return i === start || i === end ? "bad_request_line" : "bad_method";
  if (i === start) return "bad_request_line";
  const methodEnd = i;

  const targetStart = i + 1;
  let j = targetStart;
  while (j < end && TARGET_CHAR[bytes[j]!] === 1) j++;
  if (j === targetStart) return j === end || bytes[j] === SP ? "bad_request_line" : "bad_target";
  if (j === end) return "bad_request_line"; // no version at all
  if (bytes[j] !== SP) return "bad_target"; // a CTL, DEL, non-ASCII byte or "#" in the target
  const targetEnd = j;

  const v = j + 1;
  for (let k = v; k < end; k++) if (bytes[k] === SP) return "bad_request_line";
  if (end - v !== VERSION_LENGTH) return "bad_version";
  return versionAndForm(bytes, start, methodEnd, targetEnd);
}

/**
 * The request line at bytes[start…] if it is complete before `limit`, ends in CRLF and is valid: its
 * spans (its CR is at requestLineEnd(spans)), else null, and parseRequestLine on the line says why.
 * One pass for the parser's fast path, which does not look for the line's LF first: the method and
 * target scans stop at the same bytes as they would inside the line's bounds, and the version has a
 * fixed length, so the CRLF can only be right after it.
 */
export function scanRequestLine(bytes: Uint8Array, start: number, limit: number): RequestLineSpans | null {
  let i = start;
  while (i < limit && TCHAR[bytes[i]!] === 1) i++;
  if (i === start || i === limit || bytes[i] !== SP) return null;
  let j = i + 1;
  while (j < limit && TARGET_CHAR[bytes[j]!] === 1) j++;
  if (j === i + 1 || j === limit || bytes[j] !== SP) return null;
  const cr = j + 1 + VERSION_LENGTH;
  if (cr + 1 >= limit || bytes[cr] !== CR || bytes[cr + 1] !== LF) return null;
  const line = versionAndForm(bytes, start, i, j);
  return typeof line === "string" ? null : line;
}

/** Where the CR ending a request line with these spans is, in the bytes it was parsed from. */
export function requestLineEnd(line: RequestLineSpans): number {
  return line.targetEnd + 1 + VERSION_LENGTH;
}

/** The end of parseRequestLine: the version (VERSION_LENGTH bytes after the target's SP, no SP among
 * them) and the target's form. */
function versionAndForm(bytes: Uint8Array, start: number, methodEnd: number, targetEnd: number): RequestLineSpans | HttpErrorKind {
  const targetStart = methodEnd + 1;
  const v = targetEnd + 1;
  for (let k = 0; k < HTTP_SLASH.length; k++) if (bytes[v + k] !== HTTP_SLASH[k]) return "bad_version";
  const major = bytes[v + 5]!;
  const minor = bytes[v + 7]!;
  if (!isDigitByte(major) || bytes[v + 6] !== DOT || !isDigitByte(minor)) return "bad_version";
  // Well-formed but not 1.0 / 1.1: 505 (RFC 9110 §15.6.6).
  if (major !== DIGIT_0 + 1 || minor > DIGIT_0 + 1) return "unsupported_version";

  const targetForm = classifyTarget(bytes, start, methodEnd, targetStart, targetEnd);
  if (targetForm === null) return "bad_target";
  return { methodEnd, targetStart, targetEnd, targetForm, versionMinor: minor === DIGIT_0 ? 0 : 1 };
}

function bytesEqual(bytes: Uint8Array, start: number, end: number, expected: number[]): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

/** RFC 9112 §3.2: origin-form ("/…"), absolute-form ("scheme://…"), authority-form (CONNECT only)
 * and asterisk-form (OPTIONS only). Anything else is refused (null). */
function classifyTarget(bytes: Uint8Array, methodStart: number, methodEnd: number, start: number, end: number): TargetForm | null {
  if (bytesEqual(bytes, methodStart, methodEnd, CONNECT)) {
    // §3.2.3: CONNECT takes authority-form and nothing else.
    return validAuthority(latin1(bytes, start, end), true) ? "authority" : null;
  }
  const first = bytes[start]!;
  if (first === SLASH) return "origin";
  if (first === STAR && end - start === 1) return bytesEqual(bytes, methodStart, methodEnd, OPTIONS) ? "asterisk" : null;
  // absolute-form (§3.2.2): scheme ":" hier-part. HTTP URIs always carry an authority, so "//" is
  // required: this also keeps "host:port" (authority-form) from passing as a URI with a strange scheme.
  if (!isAlphaByte(first)) return null;
  let i = start + 1;
  while (i < end && SCHEME_CHAR[bytes[i]!] === 1) i++;
  if (end - i < 3 || bytes[i] !== COLON || bytes[i + 1] !== SLASH || bytes[i + 2] !== SLASH) return null;
  return "absolute";
}

/** The last Host value found valid: clients send the same one request after request, and validity is a
 * property of the string alone, so an equal value needs no second scan. */
let lastValidHost: string | null = null;
const HTTP_ORIGIN_PREFIX = "http://";

/**
 * uri-host [ ":" port ] (RFC 3986 §3.2.2/§3.2.3), as in Host (RFC 9110 §7.2) and authority-form.
 * IP-literal in brackets, or reg-name / IPv4 characters; port all digits.
 */
export function validAuthority(value: string, portRequired: boolean): boolean {
  let i = 0;
  const n = value.length;
  if (n > 0 && value.charCodeAt(0) === OPEN_BRACKET) {
    i = 1;
    while (i < n && IP_LITERAL_CHAR[value.charCodeAt(i)] === 1) i++;
    if (i === 1 || i === n || value.charCodeAt(i) !== CLOSE_BRACKET) return false;
    i++;
  } else {
    while (i < n && value.charCodeAt(i) < 256 && HOST_CHAR[value.charCodeAt(i)] === 1) i++;
    if (i === 0 && portRequired) return false;
  }
  if (i === n) return !portRequired;
  if (value.charCodeAt(i) !== COLON) return false;
  i++;
  if (i === n && portRequired) return false;
  for (; i < n; i++) if (!isDigitByte(value.charCodeAt(i))) return false;
  return true;
}

/** What the parser hands to the connection once a head is complete. */
export interface HeadMeaning {
  keepAlive: boolean;
  expectContinue: boolean;
  upgrade: string | null;
  bodyKind: BodyKind;
  contentLength: number;
}

/**
 * Read the fields that give the head its meaning, in one pass: Host, Content-Length,
 * Transfer-Encoding, Connection, Expect, Upgrade. Returns the meaning or the reason to refuse.
 */
export function interpretHead(line: { versionMinor: 0 | 1 }, fields: Fields, limits: Limits): HeadMeaning | HttpErrorKind {
  let hostCount = 0;
  let host = "";
  let contentLengths: string[] | null = null;
  let transferEncodings: string[] | null = null;
  let close = false;
  let keepAliveToken = false;
  let upgradeToken = false;
  let expect: string | null = null;
  let upgrade: string | null = null;
  const count = fields.length;
  for (let i = 0; i < count; i++) {
    const name = fields.lowerName(i);
    switch (name) {
      case "host":
        hostCount++;
        host = fields.value(i);
        break;
      case "content-length":
        (contentLengths ??= []).push(fields.value(i));
        break;
      case "transfer-encoding":
        (transferEncodings ??= []).push(fields.value(i));
        break;
      case "connection": {
        // Connection options are case-insensitive tokens (RFC 9110 §7.6.1). The usual values first.
        const value = fields.value(i);
        if (value === "keep-alive") keepAliveToken = true;
        else if (value === "close") close = true;
        else for (const option of listElements(value)) {
          if (equalsIgnoreCase(option, "close")) close = true;
          else if (equalsIgnoreCase(option, "keep-alive")) keepAliveToken = true;
          else if (equalsIgnoreCase(option, "upgrade")) upgradeToken = true;
        }
        break;
      }
      case "expect":
        expect = fields.value(i);
        break;
      case "upgrade":
        upgrade = fields.value(i);
        break;
    }
  }

  // RFC 9112 §3.2: a 1.1 request without Host, or with more than one, gets 400; so does an invalid
  // one. HTTP/1.0 may omit it, but never repeat it.
  if (line.versionMinor === 1 ? hostCount !== 1 : hostCount > 1) return "bad_host";
  if (hostCount === 1 && host !== lastValidHost) {
    // Also one the URL parser takes (a port above 65535, say, it refuses): the handler's `request.url`
    // is built from it, so a Host that passes here always forms a URL (request.ts `buildRequest`). An
    // empty Host (allowed, RFC 9112 §3.2) is replaced there by the listening address.
    if (!validAuthority(host, false) || (host !== "" && !URL.canParse(HTTP_ORIGIN_PREFIX + host + "/"))) return "bad_host";
    lastValidHost = host;
  }

  const framing = bodyFraming(line.versionMinor, contentLengths, transferEncodings, limits);
  if (typeof framing === "string") return framing;

  const http11 = line.versionMinor === 1;
  return {
    // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    keepAlive: http11 ? !close : keepAliveToken && !close,
    // RFC 9110 §10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
    expectContinue: http11 && expect !== null && equalsIgnoreCase(expect, "100-continue"),
    upgrade: upgradeToken ? upgrade : null,
    bodyKind: framing.bodyKind,
    contentLength: framing.contentLength,
  };
}

/**
 * Decide the request body's framing: RFC 9112 §6.3, the rules that apply to requests, in order. This
 * is the only place in weft that does it.
 */
export function bodyFraming(
  versionMinor: 0 | 1,
  contentLengths: string[] | null,
  transferEncodings: string[] | null,
  limits: Limits,
): { bodyKind: BodyKind; contentLength: number } | HttpErrorKind {
  // Rules 1 and 2 are about responses (HEAD, 1xx/204/304, 2xx to CONNECT).
  if (transferEncodings !== null) {
    // Rule 3: both present. The RFC lets Transfer-Encoding win but calls the message a likely smuggling
    // attempt; we refuse it outright (see "Transfer-Encoding + Content-Length" in parser.ts).
    if (contentLengths !== null) return "te_and_cl";
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means the framing is faulty.
    if (versionMinor === 0) return "bad_transfer_encoding";
    const codings: string[] = [];
    for (const value of transferEncodings) {
      // RFC 9110 §5.6.1: empty list elements are ignored.
      for (const element of listElements(value)) codings.push(element);
    }
    if (codings.length === 0) return "bad_transfer_encoding";
    for (const coding of codings) if (!isToken(coding)) return "bad_transfer_encoding";
    // Rule 4: chunked must be the final coding, else the length cannot be determined: 400.
    if (!equalsIgnoreCase(codings[codings.length - 1]!, "chunked")) return "te_not_chunked";
    // RFC 9112 §6.1: chunked MUST NOT be applied more than once.
    for (let i = 0; i < codings.length - 1; i++) {
      if (equalsIgnoreCase(codings[i]!, "chunked")) return "bad_transfer_encoding";
    }
    // weft decodes no other transfer coding (gzip, deflate, …): 501 (RFC 9112 §6.1).
    if (codings.length > 1) return "unknown_transfer_coding";
    return { bodyKind: "chunked", contentLength: -1 };
  }
  if (contentLengths !== null) {
    // Rule 5: an invalid Content-Length, or several that differ (as repeated fields or as a list), is
    // an unrecoverable framing error: 400.
    let length = -1;
    for (const value of contentLengths) {
      for (const element of value.split(",")) {
        const n = parseDecimal(trimOws(element));
        if (n < 0 || (length >= 0 && n !== length)) return "bad_content_length";
        length = n;
      }
    }
    // Rule 6: a valid Content-Length gives the length. Refused before any body byte is read.
    if (length > limits.maxBodyBytes) return "body_too_large";
    return { bodyKind: "length", contentLength: length };
  }
  // Rule 7: a request with neither has no body.
  return NO_BODY;
}

const NO_BODY: { bodyKind: BodyKind; contentLength: number } = Object.freeze({ bodyKind: "none", contentLength: 0 });

/** 1*DIGIT as a number, or -1 (empty, a non-digit, or beyond Number.MAX_SAFE_INTEGER). */
function parseDecimal(text: string): number {
  if (text.length === 0) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isDigitByte(c)) return -1;
    n = n * 10 + (c - DIGIT_0);
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}

/** Elements of a comma-separated list (RFC 9110 §5.6.1), OWS-trimmed, empty ones dropped. */
function listElements(value: string): string[] {
  if (value.indexOf(",") === -1) {
    const one = trimOws(value);
    return one.length === 0 ? [] : [one];
  }
  const out: string[] = [];
  for (const part of value.split(",")) {
    const element = trimOws(part);
    if (element.length > 0) out.push(element);
  }
  return out;
}

/** Remove OWS (SP / HTAB only, RFC 9110 §5.6.3) from both ends. String.trim would also remove
 * obs-text such as 0xA0 and so accept "5\xA0" as a Content-Length. */
function trimOws(text: string): string {
  let s = 0;
  let e = text.length;
  while (s < e && (text.charCodeAt(s) === SP || text.charCodeAt(s) === HTAB)) s++;
  while (e > s && (text.charCodeAt(e - 1) === SP || text.charCodeAt(e - 1) === HTAB)) e--;
  return s === 0 && e === text.length ? text : text.slice(s, e);
}

function isToken(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || TCHAR[c] === 0) return false;
  }
  return text.length > 0;
}
