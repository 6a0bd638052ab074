// The handler's view of a request: a web-standard `Request` built from the parsed head.
//
// Kept in one function (`buildRequest`) on purpose: constructing a full WHATWG Request per request is the
// expensive part on Node (NOTES.md, issue 6), and a later lazy version only has to replace this function.

import type { Fields } from "./fields.ts";
import type { ServeInfo } from "./types.ts";

/** The parts of a parsed head (parser.ts `RequestHead`) a Request is built from. */
export interface RequestHeadLike {
  method: string;
  target: string;
  targetForm: "origin" | "absolute" | "authority" | "asterisk";
  fields: Fields;
}

/** Methods a web `Request` may not carry a body with (Fetch standard, "Request constructor" step 36). */
const BODYLESS_METHODS = new Set(["GET", "HEAD"]);
const HOST_FIELD = "host";
const HTTP_SCHEME = "http://";

/**
 * The URL a handler sees (RFC 9112 §3.3, reconstructing the target URI):
 * - origin-form: "http://" + Host + target. The parser has checked Host (exactly one, valid authority).
 * - absolute-form: the target as sent (§3.2.2: a server MUST accept it; Host is then ignored).
 * - asterisk-form (`OPTIONS *`): "http://" + Host + "/*": a URL cannot express "*", and handlers can
 *   still tell it apart by the path.
 * `fallbackHost` (the listening address) stands in for the authority of an HTTP/1.0 request without Host.
 */
export function requestUrl(head: RequestHeadLike, fallbackHost: string): string {
  if (head.targetForm === "absolute") return head.target;
  const host = head.fields.get(HOST_FIELD) || fallbackHost;
  const path = head.targetForm === "asterisk" ? "/*" : head.target;
  return HTTP_SCHEME + host + path;
}

/**
 * Build the handler's Request. `body` is the request-body stream, or null when the request has none.
 * A GET or HEAD request that carries a body (allowed on the wire, RFC 9110 §9.3.1) cannot have one in a
 * web Request: the handler sees no body and the connection discards it after the response (see
 * connection.ts, "Unread request bodies"). Throws (TypeError) if the URL is not one `Request` accepts.
 */
export function buildRequest(head: RequestHeadLike, body: ReadableStream<Uint8Array> | null, fallbackHost: string): Request {
  const init: RequestInit & { duplex?: "half" } = { method: head.method, headers: headerPairs(head.fields) };
  if (body !== null && !BODYLESS_METHODS.has(head.method)) {
    init.body = body;
    // Fetch standard: a stream body needs `duplex: "half"` (the request is sent before the response).
    init.duplex = "half";
  }
  return new Request(requestUrl(head, fallbackHost), init);
}

/** The field lines as [name, value] pairs, in order. A Request built from pairs appends each once; one
 * built from a Headers object copies it again (measured: 40% slower on Deno, 20% on Node). */
function headerPairs(fields: Fields): [string, string][] {
  const pairs: [string, string][] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) pairs[i] = [fields.name(i), fields.value(i)];
  return pairs;
}

/** Whether `buildRequest` hands `body` to the handler for this method. */
export function methodTakesBody(method: string): boolean {
  return !BODYLESS_METHODS.has(method);
}

/** One `info` object per connection, shared by all its requests (Deno.serve's shape). */
export function serveInfo(hostname: string, port: number): ServeInfo {
  return { remoteAddr: { transport: "tcp", hostname, port } };
}
