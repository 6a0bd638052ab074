// Every way a request can be refused, and the one place that maps each to a status.
// Error bodies are fixed text: they never echo any byte of the request (Go net/http does the same).

export type HttpErrorKind =
  // request line
  | "bad_method" // method is not a token
  | "bad_request_line" // wrong number of SPs, missing parts, bad terminator
  | "bad_target" // control char / space / invalid form of request-target
  | "target_too_long" // request line over maxRequestLineBytes because of the target
  | "request_line_too_long" // request line over maxRequestLineBytes (method or version at fault)
  | "bad_version" // not HTTP-version syntax
  | "unsupported_version" // well-formed but not HTTP/1.0 or HTTP/1.1
  // fields
  | "bad_field_name" // not a token, or whitespace before the colon
  | "bad_field_value" // CR, LF, NUL or other CTL in a value
  | "obs_fold" // a line starting with SP/HTAB (obsolete line folding)
  | "headers_too_large" // field section over maxHeaderBytes
  | "too_many_headers" // over maxHeaderCount
  | "bad_host" // HTTP/1.1 without exactly one Host, or an invalid Host
  | "bare_lf" // LF without CR where CRLF is required
  // framing (RFC 9112 §6)
  | "bad_content_length" // not all digits, or several different values
  | "te_and_cl" // both Transfer-Encoding and Content-Length (refused against smuggling)
  | "te_not_chunked" // Transfer-Encoding whose final coding is not chunked
  | "unknown_transfer_coding" // a transfer coding weft does not implement
  | "bad_transfer_encoding" // Transfer-Encoding malformed, empty, repeating chunked, or on HTTP/1.0
  | "body_too_large" // over maxBodyBytes
  | "bad_chunk" // bad chunk-size, missing CRLF after data, bad framing
  | "chunk_extension_too_long" // over maxChunkExtensionBytes
  | "trailers_too_large" // over maxTrailerBytes
  | "bad_trailer" // malformed trailer field
  // connection level
  | "headers_timeout" // head not complete in time
  | "body_timeout" // body stalled
  | "incomplete_request" // peer closed in the middle of a request
  | "not_implemented"; // method or feature weft does not implement (e.g. CONNECT tunnels)

export const STATUS_FOR: Readonly<Record<HttpErrorKind, number>> = Object.freeze({
  bad_method: 400,
  bad_request_line: 400,
  bad_target: 400,
  target_too_long: 414,
  request_line_too_long: 400,
  bad_version: 400,
  unsupported_version: 505,
  bad_field_name: 400,
  bad_field_value: 400,
  obs_fold: 400,
  headers_too_large: 431,
  too_many_headers: 431,
  bad_host: 400,
  bare_lf: 400,
  bad_content_length: 400,
  te_and_cl: 400,
  te_not_chunked: 400,
  unknown_transfer_coding: 501,
  bad_transfer_encoding: 400,
  body_too_large: 413,
  bad_chunk: 400,
  chunk_extension_too_long: 400,
  trailers_too_large: 431,
  bad_trailer: 400,
  headers_timeout: 408,
  body_timeout: 408,
  incomplete_request: 400,
  not_implemented: 501,
});

/** A refused request. Never thrown across the parser boundary: delivered through `onError`. */
export class HttpError {
  readonly kind: HttpErrorKind;
  readonly status: number;
  constructor(kind: HttpErrorKind) {
    this.kind = kind;
    this.status = STATUS_FOR[kind];
  }
}
