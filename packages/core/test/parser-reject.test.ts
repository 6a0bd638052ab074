// Heads the parser must refuse: request line (RFC 9112 §3), field lines (§5), Host (§3.2), line
// terminators (§2.2) and size limits. Each row names the attack or fault, with the kind and the status
// to answer; each is also fed one byte at a time and after a valid request (see checkReject).

import { test } from "node:test";
import { checkReject } from "./parser-harness.ts";
import type { RejectRow } from "./parser-harness.ts";

const head = (line: string, ...fields: string[]): string => `${line}\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`;
const get = (...fields: string[]) => head("GET / HTTP/1.1", "Host: x", ...fields);
const line = (requestLine: string) => head(requestLine, "Host: x");
const bad = (name: string, raw: string, kind: string, status: number, options?: RejectRow["options"]): RejectRow => ({
  name,
  raw,
  options,
  expect: { kind, status },
});

const SMALL_LINE = { limits: { maxRequestLineBytes: 32 } };

const ROWS: RejectRow[] = [
  // --- method
  bad("method_with_paren", line("G(T / HTTP/1.1"), "bad_method", 400),
  bad("method_with_nul", line("GE\x00T / HTTP/1.1"), "bad_method", 400),
  bad("method_non_ascii", line("G\xc9T / HTTP/1.1"), "bad_method", 400),
  bad("method_tab_separator", line("GET\t/ HTTP/1.1"), "bad_method", 400),
  bad("method_slash", line("GE/T / HTTP/1.1"), "bad_method", 400),
  bad("method_del", line("GET\x7f / HTTP/1.1"), "bad_method", 400),

  // --- request-line structure
  bad("leading_space", line(" GET / HTTP/1.1"), "bad_request_line", 400),
  bad("double_space_after_method", line("GET  / HTTP/1.1"), "bad_request_line", 400),
  bad("double_space_before_version", line("GET /  HTTP/1.1"), "bad_request_line", 400),
  bad("trailing_space", line("GET / HTTP/1.1 "), "bad_request_line", 400),
  bad("missing_version", line("GET /"), "bad_request_line", 400),
  bad("missing_target_and_version", line("GET"), "bad_request_line", 400),
  bad("http09_simple_request", "GET /\r\n\r\n", "bad_request_line", 400),
  bad("three_parts_extra", line("GET / HTTP/1.1 extra"), "bad_request_line", 400),
  bad("bare_cr_in_request_line", "GET / HTTP/1.1\rHost: x\r\n\r\n", "bad_request_line", 400),
  bad("leading_crlf_flood", "\r\n".repeat(20) + get(), "bad_request_line", 400, SMALL_LINE),
  bad("binary_garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "bad_request_line", 400),
  bad("tls_client_hello_without_lf", "\x16\x03\x01\x02\x00\x01\x00".repeat(8), "request_line_too_long", 400, SMALL_LINE),

  // --- request-target (RFC 9112 §3.2)
  bad("target_with_ctl", line("GET /a\x01b HTTP/1.1"), "bad_target", 400),
  bad("target_with_nul", line("GET /a\x00 HTTP/1.1"), "bad_target", 400),
  bad("target_with_del", line("GET /a\x7fb HTTP/1.1"), "bad_target", 400),
  bad("target_with_tab", line("GET /a\tb HTTP/1.1"), "bad_target", 400),
  bad("target_starting_with_tab", line("GET \t/ HTTP/1.1"), "bad_target", 400),
  bad("target_non_ascii", line("GET /caf\xe9 HTTP/1.1"), "bad_target", 400),
  bad("target_with_fragment", line("GET /a#frag HTTP/1.1"), "bad_target", 400),
  bad("target_with_bare_cr", line("GET /a\rb HTTP/1.1"), "bad_target", 400),
  // A space inside the target makes a line of four parts: a server that split on the last space would
  // read target "/a b" (issue 2: "spaces in the target get 400").
  bad("target_with_space", line("GET /a b HTTP/1.1"), "bad_request_line", 400),
  bad("target_with_two_spaces", line("GET /a b c HTTP/1.1"), "bad_request_line", 400),
  bad("target_with_vertical_tab", line("GET /a\x0bb HTTP/1.1"), "bad_target", 400),
  bad("asterisk_form_on_get", line("GET * HTTP/1.1"), "bad_target", 400),
  bad("asterisk_with_suffix", line("OPTIONS *x HTTP/1.1"), "bad_target", 400),
  bad("authority_form_on_get", line("GET example.com:80 HTTP/1.1"), "bad_target", 400),
  bad("connect_origin_form", line("CONNECT / HTTP/1.1"), "bad_target", 400),
  bad("connect_without_port", line("CONNECT example.com HTTP/1.1"), "bad_target", 400),
  bad("connect_empty_port", line("CONNECT example.com: HTTP/1.1"), "bad_target", 400),
  bad("connect_absolute_form", line("CONNECT http://example.com:80/ HTTP/1.1"), "bad_target", 400),
  bad("connect_with_userinfo", line("CONNECT user@example.com:80 HTTP/1.1"), "bad_target", 400),
  bad("absolute_without_slashes", line("GET http:/x HTTP/1.1"), "bad_target", 400),
  bad("scheme_starting_with_digit", line("GET 1http://x/ HTTP/1.1"), "bad_target", 400),
  bad("relative_target", line("GET index.html HTTP/1.1"), "bad_target", 400),

  // --- version (RFC 9112 §2.3)
  bad("version_lowercase", line("GET / http/1.1"), "bad_version", 400),
  bad("version_no_minor", line("GET / HTTP/1"), "bad_version", 400),
  bad("version_two_digit_minor", line("GET / HTTP/1.10"), "bad_version", 400),
  bad("version_comma", line("GET / HTTP/1,1"), "bad_version", 400),
  bad("version_letters", line("GET / HTTP/a.b"), "bad_version", 400),
  bad("version_https", line("GET / HTTPS/1.1"), "bad_version", 400),
  bad("version_trailing_cr", "GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", "bad_version", 400),
  bad("version_http2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "unsupported_version", 505),
  bad("version_2_0", line("GET / HTTP/2.0"), "unsupported_version", 505),
  bad("version_1_2", line("GET / HTTP/1.2"), "unsupported_version", 505),
  bad("version_0_9", line("GET / HTTP/0.9"), "unsupported_version", 505),
  bad("version_3_0", line("GET / HTTP/3.0"), "unsupported_version", 505),
  bad("version_9_9", line("GET / HTTP/9.9"), "unsupported_version", 505),

  // --- request-line length (maxRequestLineBytes)
  bad("long_target_default_limit", line("GET /" + "a".repeat(8192) + " HTTP/1.1"), "target_too_long", 414),
  bad("long_target_small_limit", line("GET /" + "a".repeat(40) + " HTTP/1.1"), "target_too_long", 414, SMALL_LINE),
  bad("long_target_one_over", line("GET /" + "a".repeat(17) + " HTTP/1.1"), "target_too_long", 414, { limits: { maxRequestLineBytes: 30 } }),
  bad("long_target_unterminated", "GET /" + "a".repeat(100), "target_too_long", 414, SMALL_LINE),
  bad("long_method", line("X".repeat(40) + " / HTTP/1.1"), "request_line_too_long", 400, SMALL_LINE),
  bad("long_method_without_space", "X".repeat(100), "request_line_too_long", 400, SMALL_LINE),
  bad("long_version_part", line("GET /abc " + "H".repeat(40)), "request_line_too_long", 400, SMALL_LINE),

  // --- line terminators (RFC 9112 §2.2; see "Bare LF policy" in parser.ts)
  bad("bare_lf_request_line", "GET / HTTP/1.1\nHost: x\r\n\r\n", "bare_lf", 400),
  bad("bare_lf_field_line", "GET / HTTP/1.1\r\nHost: x\n\r\n", "bare_lf", 400),
  bad("bare_lf_end_of_head", "GET / HTTP/1.1\r\nHost: x\r\n\n", "bare_lf", 400),
  bad("bare_lf_leading_empty_line", "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "bare_lf", 400),
  bad("bare_cr_in_field_value", get("X: a\rb"), "bad_field_value", 400),
  bad("bare_cr_ending_field_line", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", "bad_field_value", 400),

  // --- field names (RFC 9112 §5.1)
  bad("space_before_colon", get("Host : x"), "bad_field_name", 400),
  bad("tab_before_colon", get("X-A\t: x"), "bad_field_name", 400),
  bad("space_in_name", get("X A: x"), "bad_field_name", 400),
  bad("empty_name", get(": value"), "bad_field_name", 400),
  bad("no_colon", get("NoColonHere"), "bad_field_name", 400),
  bad("name_with_paren", get("X(: y"), "bad_field_name", 400),
  bad("name_with_slash", get("X/Y: y"), "bad_field_name", 400),
  bad("name_non_ascii", get("H\xe9: x"), "bad_field_name", 400),
  bad("name_with_nul", get("X\x00: y"), "bad_field_name", 400),
  bad("name_with_del", get("X\x7f: y"), "bad_field_name", 400),
  bad("request_line_in_field_section", get("GET /admin HTTP/1.1"), "bad_field_name", 400),

  // --- obsolete line folding (RFC 9112 §5.2)
  bad("obs_fold_space", get("X-A: a", " folded"), "obs_fold", 400),
  bad("obs_fold_tab", get("X-A: a", "\tfolded"), "obs_fold", 400),
  bad("whitespace_before_first_field", head("GET / HTTP/1.1", " Host: x"), "obs_fold", 400),

  // --- field values (RFC 9110 §5.5)
  bad("value_with_nul", get("X: a\x00b"), "bad_field_value", 400),
  bad("value_with_soh", get("X: a\x01b"), "bad_field_value", 400),
  bad("value_with_escape", get("X: \x1b[31m"), "bad_field_value", 400),
  bad("value_with_del", get("X: a\x7f"), "bad_field_value", 400),
  bad("value_with_vertical_tab", get("X: \x0bv"), "bad_field_value", 400),
  bad("value_with_form_feed", get("X: a\x0c"), "bad_field_value", 400),

  // --- Host (RFC 9112 §3.2, RFC 9110 §7.2)
  bad("missing_host_http11", head("GET / HTTP/1.1"), "bad_host", 400),
  bad("missing_host_absolute_form", head("GET http://example.com/ HTTP/1.1"), "bad_host", 400),
  bad("duplicate_host", get("Host: y"), "bad_host", 400),
  bad("duplicate_host_same_value", get("Host: x"), "bad_host", 400),
  bad("duplicate_host_http10", head("GET / HTTP/1.0", "Host: a", "Host: b"), "bad_host", 400),
  bad("host_with_space", head("GET / HTTP/1.1", "Host: exa mple.com"), "bad_host", 400),
  bad("host_with_slash", head("GET / HTTP/1.1", "Host: a/b"), "bad_host", 400),
  bad("host_with_userinfo", head("GET / HTTP/1.1", "Host: user@evil.com"), "bad_host", 400),
  bad("host_non_digit_port", head("GET / HTTP/1.1", "Host: x:abc"), "bad_host", 400),
  bad("host_two_ports", head("GET / HTTP/1.1", "Host: x:1:2"), "bad_host", 400),
  // Valid authority syntax, but no URL can be formed from it (the handler's request.url): refused here.
  bad("host_port_out_of_range", head("GET / HTTP/1.1", "Host: x:99999"), "bad_host", 400),
  bad("host_bad_ipv6_literal", head("GET / HTTP/1.1", "Host: [zz]"), "bad_host", 400),
  bad("host_unclosed_ipv6", head("GET / HTTP/1.1", "Host: [::1"), "bad_host", 400),
  bad("host_junk_after_ipv6", head("GET / HTTP/1.1", "Host: [::1]x"), "bad_host", 400),
  bad("host_empty_brackets", head("GET / HTTP/1.1", "Host: []"), "bad_host", 400),
  bad("host_non_ascii", head("GET / HTTP/1.1", "Host: b\xfccher.de"), "bad_host", 400),
  bad("host_with_backslash", head("GET / HTTP/1.1", "Host: a\\b"), "bad_host", 400),
  bad("host_with_question", head("GET / HTTP/1.1", "Host: a?b"), "bad_host", 400),
  bad("host_in_http10_invalid", head("GET / HTTP/1.0", "Host: a b"), "bad_host", 400),

  // --- header size and count (maxHeaderBytes, maxHeaderCount)
  bad("headers_over_default_limit", get("X-Big: " + "a".repeat(16 * 1024)), "headers_too_large", 431),
  bad("headers_over_small_limit", get("X-A: 12345678901234567890"), "headers_too_large", 431, { limits: { maxHeaderBytes: 20 } }),
  bad("headers_one_byte_over", head("GET / HTTP/1.1", "Host: x", "A: 1234"), "headers_too_large", 431, { limits: { maxHeaderBytes: 9 + 8 } }),
  bad("headers_many_small_lines", get(...Array.from({ length: 40 }, (_, i) => `A${i}: v`)), "headers_too_large", 431, { limits: { maxHeaderBytes: 200 } }),
  bad("headers_unterminated_flood", "GET / HTTP/1.1\r\nX: " + "a".repeat(300), "headers_too_large", 431, { limits: { maxHeaderBytes: 100 } }),
  bad("too_many_headers_default", get(...Array.from({ length: 100 }, (_, i) => `A${i}: v`)), "too_many_headers", 431),
  bad("too_many_headers_small", get("A: 1", "B: 2", "C: 3"), "too_many_headers", 431, { limits: { maxHeaderCount: 3 } }),
  bad("zero_header_count_limit", get(), "too_many_headers", 431, { limits: { maxHeaderCount: 0 } }),

  // --- incomplete requests at EOF (finish())
  bad("eof_in_request_line", "GET / HTT", "incomplete_request", 400),
  bad("eof_after_request_line", "GET / HTTP/1.1\r\n", "incomplete_request", 400),
  bad("eof_in_fields", "GET / HTTP/1.1\r\nHost: x\r\nAcc", "incomplete_request", 400),
  bad("eof_before_final_crlf", "GET / HTTP/1.1\r\nHost: x\r\n", "incomplete_request", 400),
  bad("eof_after_final_cr", "GET / HTTP/1.1\r\nHost: x\r\n\r", "incomplete_request", 400),
];

test(`parser refuses ${ROWS.length} bad heads with the right status (one chunk, byte by byte, pipelined)`, () => {
  const names = new Set<string>();
  for (const row of ROWS) {
    if (names.has(row.name)) throw new Error(`duplicate row name ${row.name}`);
    names.add(row.name);
    checkReject(row);
  }
});
