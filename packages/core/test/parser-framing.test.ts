// Body framing the parser must refuse (RFC 9112 §6, §7.1): request-smuggling shapes, Content-Length
// and Transfer-Encoding faults, chunked framing faults, body and trailer limits. Rows are named after
// the attack; each is also fed one byte at a time and after a valid request (see checkReject).

import { test } from "node:test";
import { checkReject } from "./parser-harness.ts";
import type { RejectRow } from "./parser-harness.ts";

const head = (line: string, ...fields: string[]): string => `${line}\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`;
const post = (fields: string[], body = ""): string => head("POST / HTTP/1.1", "Host: x", ...fields) + body;
const chunked = (body: string) => post(["Transfer-Encoding: chunked"], body);
const bad = (name: string, raw: string, kind: string, status: number, options?: RejectRow["options"]): RejectRow => ({
  name,
  raw,
  options,
  expect: { kind, status },
});
const LENIENT = { leniency: { allowBareLf: true } };

const ROWS: RejectRow[] = [
  // --- Transfer-Encoding + Content-Length (RFC 9112 §6.3 rule 3; "Transfer-Encoding + Content-Length" in parser.ts)
  bad("smuggle_te_and_cl", post(["Transfer-Encoding: chunked", "Content-Length: 5"], "0\r\n\r\n"), "te_and_cl", 400),
  bad("smuggle_cl_and_te", post(["Content-Length: 5", "Transfer-Encoding: chunked"], "0\r\n\r\n"), "te_and_cl", 400),
  bad("smuggle_te_and_cl_zero", post(["Content-Length: 0", "Transfer-Encoding: chunked"], "0\r\n\r\n"), "te_and_cl", 400),
  bad("smuggle_te_and_invalid_cl", post(["Content-Length: abc", "Transfer-Encoding: chunked"]), "te_and_cl", 400),
  bad("smuggle_te_identity_and_cl", post(["Transfer-Encoding: identity", "Content-Length: 5"], "hello"), "te_and_cl", 400),
  bad("smuggle_te_and_cl_http10", head("POST / HTTP/1.0", "Transfer-Encoding: chunked", "Content-Length: 5"), "te_and_cl", 400),

  // --- Transfer-Encoding disguises (a proxy that misreads them sees a different body)
  bad("smuggle_te_space_before_colon", post(["Transfer-Encoding : chunked", "Content-Length: 5"]), "bad_field_name", 400),
  bad("smuggle_te_obs_fold", post(["Transfer-Encoding:", " chunked"]), "obs_fold", 400),
  bad("smuggle_te_vertical_tab", post(["Transfer-Encoding: \x0bchunked"]), "bad_field_value", 400),
  bad("smuggle_te_nul", post(["Transfer-Encoding: chunked\x00"]), "bad_field_value", 400),
  bad("smuggle_te_xchunked", post(["Transfer-Encoding: xchunked"]), "te_not_chunked", 400),
  bad("smuggle_te_chunked_then_gzip", post(["Transfer-Encoding: chunked, gzip"]), "te_not_chunked", 400),
  bad("smuggle_te_split_fields_chunked_first", post(["Transfer-Encoding: chunked", "Transfer-Encoding: gzip"]), "te_not_chunked", 400),
  bad("smuggle_te_chunked_twice", post(["Transfer-Encoding: chunked, chunked"]), "bad_transfer_encoding", 400),
  bad("smuggle_te_chunked_twice_fields", post(["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"]), "bad_transfer_encoding", 400),
  bad("smuggle_te_http10", head("POST / HTTP/1.0", "Transfer-Encoding: chunked") + "0\r\n\r\n", "bad_transfer_encoding", 400),
  bad("smuggle_te_quoted", post(['Transfer-Encoding: "chunked"']), "bad_transfer_encoding", 400),
  bad("smuggle_te_inner_space", post(["Transfer-Encoding: chun ked"]), "bad_transfer_encoding", 400),
  bad("te_with_parameter", post(["Transfer-Encoding: chunked;q=1"]), "bad_transfer_encoding", 400),
  bad("te_empty", post(["Transfer-Encoding:"]), "bad_transfer_encoding", 400),
  bad("te_only_commas", post(["Transfer-Encoding: , ,"]), "bad_transfer_encoding", 400),
  bad("te_gzip_only", post(["Transfer-Encoding: gzip"]), "te_not_chunked", 400),
  bad("te_identity_only", post(["Transfer-Encoding: identity"]), "te_not_chunked", 400),
  bad("te_gzip_then_chunked", post(["Transfer-Encoding: gzip, chunked"]), "unknown_transfer_coding", 501),
  bad("te_custom_then_chunked", post(["Transfer-Encoding: x-custom", "Transfer-Encoding: chunked"]), "unknown_transfer_coding", 501),

  // --- Content-Length (RFC 9112 §6.3 rule 5)
  bad("smuggle_cl_differing_values", post(["Content-Length: 5", "Content-Length: 6"], "hello!"), "bad_content_length", 400),
  bad("smuggle_cl_differing_list", post(["Content-Length: 5, 6"], "hello!"), "bad_content_length", 400),
  bad("smuggle_cl_plus_sign", post(["Content-Length: +5"], "hello"), "bad_content_length", 400),
  bad("smuggle_cl_negative", post(["Content-Length: -1"]), "bad_content_length", 400),
  bad("smuggle_cl_hex", post(["Content-Length: 0x10"]), "bad_content_length", 400),
  bad("smuggle_cl_inner_space", post(["Content-Length: 1 0"]), "bad_content_length", 400),
  bad("smuggle_cl_nbsp_suffix", post(["Content-Length: 5\xa0"], "hello"), "bad_content_length", 400),
  bad("smuggle_cl_overflow", post(["Content-Length: 9007199254740992"]), "bad_content_length", 400),
  bad("smuggle_cl_huge_overflow", post(["Content-Length: 99999999999999999999999999"]), "bad_content_length", 400),
  bad("cl_empty", post(["Content-Length:"]), "bad_content_length", 400),
  bad("cl_letters", post(["Content-Length: abc"]), "bad_content_length", 400),
  bad("cl_decimal_point", post(["Content-Length: 5.0"]), "bad_content_length", 400),
  bad("cl_exponent", post(["Content-Length: 1e3"]), "bad_content_length", 400),
  bad("cl_empty_list_element", post(["Content-Length: 5,,5"], "hello"), "bad_content_length", 400),
  bad("cl_trailing_comma", post(["Content-Length: 5,"], "hello"), "bad_content_length", 400),

  // --- body size (maxBodyBytes): refused from Content-Length before any body byte
  bad("cl_over_default_max_body", post(["Content-Length: 1048577"]), "body_too_large", 413),
  bad("cl_max_safe_integer", post(["Content-Length: 9007199254740991"]), "body_too_large", 413),
  bad("cl_one_over_small_max", post(["Content-Length: 5"], "hello"), "body_too_large", 413, { limits: { maxBodyBytes: 4 } }),
  bad("cl_with_zero_max_body", post(["Content-Length: 1"], "x"), "body_too_large", 413, { limits: { maxBodyBytes: 0 } }),
  bad("chunked_sum_over_max_body", chunked("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), "body_too_large", 413, { limits: { maxBodyBytes: 4 } }),
  bad("chunked_size_over_max_body", chunked("100001\r\n"), "body_too_large", 413),

  // --- chunk-size line (RFC 9112 §7.1)
  bad("chunk_size_missing", chunked("\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_size_not_hex", chunked("x\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_size_negative", chunked("-1\r\n"), "bad_chunk", 400),
  bad("chunk_size_0x_prefix", chunked("0x5\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_size_plus", chunked("+5\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_size_leading_space", chunked(" 5\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_size_trailing_space", chunked("5 \r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("smuggle_chunk_size_overflow", chunked("fffffffffffffffff\r\n"), "bad_chunk", 400),
  bad("smuggle_chunk_size_over_safe_integer", chunked("20000000000000\r\n"), "bad_chunk", 400, { limits: { maxBodyBytes: Number.MAX_SAFE_INTEGER } }),
  bad("chunk_size_too_many_leading_zeros", chunked("00000000000000005\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_size_cr_without_lf", chunked("5\rXhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("smuggle_chunk_size_bare_lf", chunked("5\nhello\r\n0\r\n\r\n"), "bare_lf", 400),
  bad("smuggle_chunk_size_bare_lf_lenient", chunked("5\nhello\r\n0\r\n\r\n"), "bare_lf", 400, LENIENT),
  bad("smuggle_last_chunk_bare_lf", chunked("0\n\r\n"), "bare_lf", 400),
  bad("chunk_ext_without_semicolon", chunked("5 x\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_ext_with_ctl", chunked("5;a=\x01\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_ext_with_del", chunked("5;a\x7f\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_ext_with_nul", chunked("5;\x00\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_ext_bare_lf", chunked("5;a\nhello\r\n0\r\n\r\n"), "bare_lf", 400),
  bad("chunk_ext_over_limit", chunked("5;abcdefgh\r\nhello\r\n0\r\n\r\n"), "chunk_extension_too_long", 400, { limits: { maxChunkExtensionBytes: 8 } }),
  bad("chunk_ext_flood_default_limit", chunked("5;" + "a".repeat(2000)), "chunk_extension_too_long", 400),

  // --- chunk data (RFC 9112 §7.1: CRLF required after data)
  bad("smuggle_chunk_data_longer_than_size", chunked("3\r\nhello\r\n0\r\n\r\n"), "bad_chunk", 400),
  bad("smuggle_chunk_data_missing_crlf", chunked("5\r\nhello0\r\n\r\n"), "bad_chunk", 400),
  bad("chunk_data_cr_then_junk", chunked("5\r\nhello\rX0\r\n\r\n"), "bad_chunk", 400),
  bad("smuggle_chunk_data_bare_lf", chunked("5\r\nhello\n0\r\n\r\n"), "bare_lf", 400),
  bad("smuggle_chunk_data_bare_lf_lenient", chunked("5\r\nhello\n0\r\n\r\n"), "bare_lf", 400, LENIENT),

  // --- trailer section (RFC 9112 §7.1.2)
  bad("smuggle_request_in_trailer_section", chunked("0\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n"), "bad_trailer", 400),
  bad("trailer_space_in_name", chunked("0\r\nBad Name: x\r\n\r\n"), "bad_trailer", 400),
  bad("trailer_space_before_colon", chunked("0\r\nX : y\r\n\r\n"), "bad_trailer", 400),
  bad("trailer_obs_fold", chunked("0\r\nX: y\r\n folded\r\n\r\n"), "bad_trailer", 400),
  bad("trailer_value_nul", chunked("0\r\nX: a\x00b\r\n\r\n"), "bad_trailer", 400),
  bad("trailer_bare_lf", chunked("0\r\nX: y\n\r\n"), "bare_lf", 400),
  bad("trailer_bare_lf_lenient", chunked("0\r\nX: y\n\r\n"), "bare_lf", 400, LENIENT),
  bad("trailer_end_bare_lf_lenient", chunked("0\r\nX: y\r\n\n"), "bare_lf", 400, LENIENT),
  bad("trailers_over_limit", chunked("0\r\nX: 1234567890\r\n\r\n"), "trailers_too_large", 431, { limits: { maxTrailerBytes: 10 } }),
  bad("trailers_unterminated_flood", chunked("0\r\nX: " + "a".repeat(9000)), "trailers_too_large", 431),
  bad("trailers_too_many", chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), "trailers_too_large", 431, { limits: { maxHeaderCount: 2 } }),

  // --- EOF inside a body (finish())
  bad("eof_in_content_length_body", post(["Content-Length: 10"], "hello"), "incomplete_request", 400),
  bad("eof_in_chunk_size", chunked("5"), "incomplete_request", 400),
  bad("eof_in_chunk_data", chunked("5\r\nhel"), "incomplete_request", 400),
  bad("eof_before_last_chunk", chunked("5\r\nhello\r\n"), "incomplete_request", 400),
  bad("eof_in_trailer_section", chunked("0\r\n"), "incomplete_request", 400),
  bad("eof_in_trailer_line", chunked("0\r\nX: y"), "incomplete_request", 400),
];

test(`parser refuses ${ROWS.length} bad framings with the right status (one chunk, byte by byte, pipelined)`, () => {
  const names = new Set<string>();
  for (const row of ROWS) {
    if (names.has(row.name)) throw new Error(`duplicate row name ${row.name}`);
    names.add(row.name);
    checkReject(row);
  }
});

test("a trailer line over the limit is refused for its size whether or not its LF was seen", () => {
  // One chunk sees the whole line (and its bare LF); byte by byte sees the size first. Same verdict.
  checkReject(bad("trailer_long_line_with_bare_lf", chunked("0\r\nX: " + "a".repeat(40) + "\n\r\n"), "trailers_too_large", 431, { limits: { maxTrailerBytes: 16 } }));
});
