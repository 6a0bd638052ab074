// Requests the parser must accept, and what it must report for them (RFC 9112). Every row is also fed
// one byte at a time and inside a pipelined batch (see checkValid).

import { test } from "node:test";
import { checkValid } from "./parser-harness.ts";
import type { ValidRow } from "./parser-harness.ts";

/** A head: request line, field lines, empty line, CRLF everywhere. */
const head = (line: string, ...fields: string[]): string => `${line}\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`;
const get = (...fields: string[]) => head("GET / HTTP/1.1", "Host: x", ...fields);
const post = (fields: string[], body: string) => head("POST /p HTTP/1.1", "Host: x", ...fields) + body;
const chunked = (body: string) => post(["Transfer-Encoding: chunked"], body);

const ROWS: ValidRow[] = [
  // --- request line (RFC 9112 §3)
  { name: "simple_get", raw: get(), expect: { head: { method: "GET", target: "/", targetForm: "origin", versionMinor: 1, fields: [["Host", "x"]], keepAlive: true, bodyKind: "none", contentLength: 0, headBytes: 27 } } },
  {
    name: "typical_browser_get",
    raw: head("GET /index.html?q=1 HTTP/1.1", "Host: example.com", "User-Agent: curl/8.5.0", "Accept: */*", "Accept-Encoding: gzip, br", "Cookie: a=1; b=2"),
    expect: { head: { target: "/index.html?q=1", fields: [["Host", "example.com"], ["User-Agent", "curl/8.5.0"], ["Accept", "*/*"], ["Accept-Encoding", "gzip, br"], ["Cookie", "a=1; b=2"]] } },
  },
  { name: "http10_without_host", raw: head("GET / HTTP/1.0"), expect: { head: { versionMinor: 0, keepAlive: false, fields: [] } } },
  { name: "http10_with_host", raw: head("GET / HTTP/1.0", "Host: x"), expect: { head: { versionMinor: 0, keepAlive: false } } },
  { name: "http10_keep_alive", raw: head("GET / HTTP/1.0", "Connection: keep-alive"), expect: { head: { keepAlive: true } } },
  { name: "http10_keep_alive_mixed_case", raw: head("GET / HTTP/1.0", "connection: Keep-Alive"), expect: { head: { keepAlive: true } } },
  { name: "http10_keep_alive_and_close", raw: head("GET / HTTP/1.0", "Connection: keep-alive, close"), expect: { head: { keepAlive: false } } },
  { name: "http11_connection_close", raw: get("Connection: close"), expect: { head: { keepAlive: false } } },
  { name: "http11_connection_close_upper", raw: get("Connection: CLOSE"), expect: { head: { keepAlive: false } } },
  { name: "http11_connection_list_close", raw: get("Connection: foo, , close"), expect: { head: { keepAlive: false } } },
  { name: "http11_connection_repeated_close", raw: get("Connection: keep-alive", "Connection: close"), expect: { head: { keepAlive: false } } },
  { name: "http11_connection_keep_alive", raw: get("Connection: keep-alive"), expect: { head: { keepAlive: true } } },
  { name: "method_lowercase_is_a_token", raw: head("get / HTTP/1.1", "Host: x"), expect: { head: { method: "get" } } },
  { name: "method_extension_token", raw: head("M-SEARCH / HTTP/1.1", "Host: x"), expect: { head: { method: "M-SEARCH" } } },
  { name: "method_all_tchars", raw: head("!#$%&'*+-.^_`|~09AZaz / HTTP/1.1", "Host: x"), expect: { head: { method: "!#$%&'*+-.^_`|~09AZaz" } } },
  { name: "method_delete", raw: head("DELETE /r/1 HTTP/1.1", "Host: x"), expect: { head: { method: "DELETE", target: "/r/1" } } },
  { name: "target_query", raw: head("GET /a/b?c=d&e=f HTTP/1.1", "Host: x"), expect: { head: { target: "/a/b?c=d&e=f" } } },
  { name: "target_double_slash", raw: head("GET //a//b HTTP/1.1", "Host: x"), expect: { head: { target: "//a//b", targetForm: "origin" } } },
  { name: "target_percent", raw: head("GET /%20%E2%82%AC HTTP/1.1", "Host: x"), expect: { head: { target: "/%20%E2%82%AC" } } },
  { name: "target_unsafe_visible_chars", raw: head("GET /a|b{c}^\"<>\\ HTTP/1.1", "Host: x"), expect: { head: { target: "/a|b{c}^\"<>\\" } } },
  { name: "target_query_with_slash_and_question", raw: head("GET /?a=/b?c HTTP/1.1", "Host: x"), expect: { head: { target: "/?a=/b?c" } } },
  { name: "target_absolute_form", raw: head("GET http://example.com/x?y HTTP/1.1", "Host: example.com"), expect: { head: { target: "http://example.com/x?y", targetForm: "absolute" } } },
  { name: "target_absolute_https_port", raw: head("GET https://h:443/ HTTP/1.1", "Host: h:443"), expect: { head: { targetForm: "absolute" } } },
  { name: "target_absolute_http10_no_host", raw: head("GET http://h/ HTTP/1.0"), expect: { head: { targetForm: "absolute", versionMinor: 0 } } },
  { name: "target_authority_connect", raw: head("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"), expect: { head: { method: "CONNECT", target: "example.com:443", targetForm: "authority" } } },
  { name: "target_authority_ipv6", raw: head("CONNECT [::1]:8080 HTTP/1.1", "Host: [::1]:8080"), expect: { head: { targetForm: "authority" } } },
  { name: "target_authority_ipv4", raw: head("CONNECT 10.0.0.1:80 HTTP/1.1", "Host: 10.0.0.1:80"), expect: { head: { targetForm: "authority" } } },
  { name: "target_asterisk_options", raw: head("OPTIONS * HTTP/1.1", "Host: x"), expect: { head: { method: "OPTIONS", target: "*", targetForm: "asterisk" } } },
  { name: "target_options_origin_form", raw: head("OPTIONS /x HTTP/1.1", "Host: x"), expect: { head: { targetForm: "origin" } } },
  { name: "leading_crlf_ignored", raw: "\r\n" + get(), expect: { head: { method: "GET", headBytes: 27 } } },
  { name: "several_leading_crlf_ignored", raw: "\r\n\r\n\r\n" + get(), expect: { head: { method: "GET" } } },
  { name: "two_requests", raw: get() + head("GET /2 HTTP/1.1", "Host: y"), expect: { messages: 2 } },
  { name: "crlf_between_requests", raw: post(["Content-Length: 2"], "ab") + "\r\n" + get(), expect: { messages: 2, body: "ab" } },

  // --- fields (RFC 9112 §5, RFC 9110 §5)
  { name: "ows_trimmed", raw: get("X-A:   spaced  \t "), expect: { head: { fields: [["Host", "x"], ["X-A", "spaced"]] } } },
  { name: "no_ows", raw: get("X-A:v"), expect: { head: { fields: [["Host", "x"], ["X-A", "v"]] } } },
  { name: "inner_whitespace_kept", raw: get("X-A: a  b\tc"), expect: { head: { fields: [["Host", "x"], ["X-A", "a  b\tc"]] } } },
  { name: "empty_value", raw: get("X-Empty:"), expect: { head: { fields: [["Host", "x"], ["X-Empty", ""]] } } },
  { name: "whitespace_only_value", raw: get("X-Empty: \t "), expect: { head: { fields: [["Host", "x"], ["X-Empty", ""]] } } },
  { name: "obs_text_value_kept_as_latin1", raw: get("X-Latin: caf\xe9 \x80\xff"), expect: { head: { fields: [["Host", "x"], ["X-Latin", "caf\xe9 \x80\xff"]] } } },
  { name: "duplicates_kept_in_order", raw: get("X-D: 1", "Other: o", "x-d: 2"), expect: { head: { fields: [["Host", "x"], ["X-D", "1"], ["Other", "o"], ["x-d", "2"]] } } },
  { name: "name_case_preserved", raw: head("GET / HTTP/1.1", "hOsT: x", "CONTENT-type: text/plain"), expect: { head: { fields: [["hOsT", "x"], ["CONTENT-type", "text/plain"]] } } },
  { name: "name_all_tchars", raw: get("!#$%&'*+-.^_`|~09AZaz: v"), expect: { head: { fields: [["Host", "x"], ["!#$%&'*+-.^_`|~09AZaz", "v"]] } } },
  { name: "value_with_colons", raw: get("X-Time: 12:34:56"), expect: { head: { fields: [["Host", "x"], ["X-Time", "12:34:56"]] } } },
  { name: "value_all_vchars", raw: get("X-V: !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"), expect: { head: { fields: [["Host", "x"], ["X-V", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"]] } } },
  { name: "expect_100_continue", raw: get("Expect: 100-continue"), expect: { head: { expectContinue: true } } },
  { name: "expect_100_continue_case_insensitive", raw: get("Expect: 100-Continue"), expect: { head: { expectContinue: true } } },
  { name: "expect_100_continue_ignored_on_http10", raw: head("GET / HTTP/1.0", "Expect: 100-continue"), expect: { head: { expectContinue: false } } },
  { name: "expect_other_not_continue", raw: get("Expect: something"), expect: { head: { expectContinue: false } } },
  { name: "upgrade_reported", raw: get("Connection: Upgrade", "Upgrade: websocket"), expect: { head: { upgrade: "websocket", keepAlive: true } } },
  { name: "upgrade_without_connection_option_ignored", raw: get("Upgrade: websocket"), expect: { head: { upgrade: null } } },
  { name: "upgrade_in_connection_list", raw: get("Connection: keep-alive, Upgrade", "Upgrade: h2c"), expect: { head: { upgrade: "h2c" } } },
  { name: "host_with_port", raw: head("GET / HTTP/1.1", "Host: example.com:8080"), expect: { head: { fields: [["Host", "example.com:8080"]] } } },
  { name: "host_ipv6", raw: head("GET / HTTP/1.1", "Host: [::1]"), expect: {} },
  { name: "host_ipv6_port", raw: head("GET / HTTP/1.1", "Host: [2001:db8::1]:80"), expect: {} },
  { name: "host_ipv4", raw: head("GET / HTTP/1.1", "Host: 127.0.0.1:7878"), expect: {} },
  { name: "host_empty_allowed", raw: head("GET / HTTP/1.1", "Host:"), expect: { head: { fields: [["Host", ""]] } } },
  { name: "host_reg_name_chars", raw: head("GET / HTTP/1.1", "Host: a-b.c_d~e!$&'()*+,;=%41"), expect: {} },
  { name: "host_empty_port", raw: head("GET / HTTP/1.1", "Host: example.com:"), expect: {} },
  { name: "head_bytes_counts_terminators", raw: head("GET /abc HTTP/1.1", "Host: x", "A: b"), expect: { head: { headBytes: 19 + 9 + 6 + 2 } } },

  // --- Content-Length bodies (RFC 9112 §6.2, §6.3 rules 5-7)
  { name: "content_length_body", raw: post(["Content-Length: 5"], "hello"), expect: { head: { bodyKind: "length", contentLength: 5 }, body: "hello" } },
  { name: "content_length_zero", raw: post(["Content-Length: 0"], ""), expect: { head: { bodyKind: "length", contentLength: 0 }, body: "" } },
  { name: "content_length_leading_zeros", raw: post(["Content-Length: 005"], "hello"), expect: { head: { contentLength: 5 }, body: "hello" } },
  { name: "content_length_list_identical", raw: post(["Content-Length: 5, 5"], "hello"), expect: { head: { contentLength: 5 }, body: "hello" } },
  { name: "content_length_repeated_identical", raw: post(["Content-Length: 5", "Content-Length: 5"], "hello"), expect: { head: { contentLength: 5 }, body: "hello" } },
  { name: "content_length_ows", raw: post(["Content-Length:  3 "], "abc"), expect: { head: { contentLength: 3 }, body: "abc" } },
  { name: "body_with_crlf_and_binary", raw: post(["Content-Length: 8"], "\r\n\x00\xff\n\r\r\n"), expect: { body: "\r\n\x00\xff\n\r\r\n" } },
  { name: "body_that_looks_like_a_request", raw: post(["Content-Length: 18"], "GET / HTTP/1.1\r\n\r\n"), expect: { body: "GET / HTTP/1.1\r\n\r\n" } },
  { name: "get_with_body", raw: head("GET / HTTP/1.1", "Host: x", "Content-Length: 2") + "hi", expect: { head: { bodyKind: "length" }, body: "hi" } },
  { name: "http10_content_length", raw: head("POST / HTTP/1.0", "Content-Length: 2") + "hi", expect: { body: "hi" } },
  { name: "body_exactly_max", raw: post(["Content-Length: 4"], "abcd"), options: { limits: { maxBodyBytes: 4 } }, expect: { body: "abcd" } },
  { name: "no_framing_fields_means_no_body", raw: head("POST / HTTP/1.1", "Host: x"), expect: { head: { bodyKind: "none", contentLength: 0 } } },

  // --- chunked (RFC 9112 §7.1)
  { name: "chunked_simple", raw: chunked("5\r\nhello\r\n0\r\n\r\n"), expect: { head: { bodyKind: "chunked", contentLength: -1 }, body: "hello" } },
  { name: "chunked_several", raw: chunked("1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n"), expect: { body: "abcdef" } },
  { name: "chunked_empty_body", raw: chunked("0\r\n\r\n"), expect: { body: "" } },
  { name: "chunked_hex_upper", raw: chunked("A\r\n0123456789\r\n0\r\n\r\n"), expect: { body: "0123456789" } },
  { name: "chunked_hex_lower", raw: chunked("a\r\n0123456789\r\n0\r\n\r\n"), expect: { body: "0123456789" } },
  { name: "chunked_leading_zeros", raw: chunked("0005\r\nhello\r\n000\r\n\r\n"), expect: { body: "hello" } },
  { name: "chunked_extension", raw: chunked("5;name=value\r\nhello\r\n0;last\r\n\r\n"), expect: { body: "hello" } },
  { name: "chunked_extension_quoted", raw: chunked("5;a=\"b c;d\"\r\nhello\r\n0\r\n\r\n"), expect: { body: "hello" } },
  { name: "chunked_extension_bws", raw: chunked("5 ;a = b\r\nhello\r\n0\r\n\r\n"), expect: { body: "hello" } },
  { name: "chunked_extension_several", raw: chunked("5;a;b=1;c=\"2\"\r\nhello\r\n0\r\n\r\n"), expect: { body: "hello" } },
  { name: "chunked_data_with_crlf", raw: chunked("4\r\n\r\n\r\n\r\n0\r\n\r\n"), expect: { body: "\r\n\r\n" } },
  { name: "chunked_trailer", raw: chunked("5\r\nhello\r\n0\r\nX-Sum: abc\r\n\r\n"), expect: { body: "hello", trailers: [["X-Sum", "abc"]] } },
  { name: "chunked_trailers_several", raw: chunked("0\r\nA: 1\r\nb:2\r\nA:  3 \r\n\r\n"), expect: { trailers: [["A", "1"], ["b", "2"], ["A", "3"]] } },
  { name: "chunked_coding_case_insensitive", raw: post(["Transfer-Encoding: Chunked"], "1\r\nx\r\n0\r\n\r\n"), expect: { body: "x" } },
  { name: "chunked_empty_list_elements", raw: post(["Transfer-Encoding: , chunked ,"], "1\r\nx\r\n0\r\n\r\n"), expect: { body: "x" } },
  { name: "chunked_body_exactly_max", raw: chunked("2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"), options: { limits: { maxBodyBytes: 4 } }, expect: { body: "abcd" } },
  { name: "chunked_keep_alive_and_expect", raw: post(["Transfer-Encoding: chunked", "Expect: 100-continue"], "0\r\n\r\n"), expect: { head: { expectContinue: true, keepAlive: true } } },

  // --- limits, exactly at the edge
  { name: "request_line_exactly_max", raw: head("GET /" + "a".repeat(16) + " HTTP/1.1", "Host: x"), options: { limits: { maxRequestLineBytes: 30 } }, expect: {} },
  { name: "header_bytes_exactly_max", raw: head("GET / HTTP/1.1", "Host: x", "A: " + "v".repeat(35)), options: { limits: { maxHeaderBytes: 9 + 40 } }, expect: {} },
  { name: "header_count_exactly_max", raw: get("A: 1", "B: 2"), options: { limits: { maxHeaderCount: 3 } }, expect: {} },
  { name: "trailer_bytes_exactly_max", raw: chunked("0\r\nT: 12\r\n\r\n"), options: { limits: { maxTrailerBytes: 7 } }, expect: { trailers: [["T", "12"]] } },
  { name: "chunk_extension_exactly_max", raw: chunked("1;abcdefg\r\nx\r\n0\r\n\r\n"), options: { limits: { maxChunkExtensionBytes: 8 } }, expect: { body: "x" } },
  { name: "large_head_near_default_limits", raw: head("GET /" + "t".repeat(8000) + " HTTP/1.1", "Host: x", "X-Big: " + "v".repeat(16000)), expect: { head: { headBytes: 8016 + 9 + 16009 + 2 } } },
  { name: "max_body_zero_allows_no_body_requests", raw: get(), options: { limits: { maxBodyBytes: 0 } }, expect: {} },
  { name: "max_body_zero_allows_empty_chunked", raw: chunked("0\r\n\r\n"), options: { limits: { maxBodyBytes: 0 } }, expect: {} },

  // --- leniency: bare LF (off by default; see "Bare LF policy" in parser.ts)
  { name: "lenient_bare_lf_everywhere_in_head", raw: "GET / HTTP/1.1\nHost: x\nA: b\n\n", options: { leniency: { allowBareLf: true } }, expect: { head: { fields: [["Host", "x"], ["A", "b"]], headBytes: 29 } } },
  { name: "lenient_bare_lf_mixed", raw: "GET / HTTP/1.1\r\nHost: x\n\r\n", options: { leniency: { allowBareLf: true } }, expect: {} },
  { name: "lenient_bare_lf_leading_empty_line", raw: "\n" + get(), options: { leniency: { allowBareLf: true } }, expect: {} },
];

test(`parser accepts ${ROWS.length} valid requests (one chunk, byte by byte, pipelined)`, () => {
  const names = new Set<string>();
  for (const row of ROWS) {
    if (names.has(row.name)) throw new Error(`duplicate row name ${row.name}`);
    names.add(row.name);
    checkValid(row);
  }
});
