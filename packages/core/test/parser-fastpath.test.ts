// The parser's fast paths for a head read in place (parser.ts requestLineInPlace/fieldLinesInPlace):
// a line they take must give exactly what the general path gives, and a line they leave must be decided
// by the general path as before. Every row is fed whole (fast paths), one byte at a time (general path
// only) and pipelined (see checkValid / checkReject), so each row compares the two paths. The rows sit
// where the fast paths decide: limits reached exactly, a CR that is no line end, a name that differs
// from the last head's name at the same index, names the name cache cannot keep.

import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, checkReject, checkValid, run } from "./parser-harness.ts";
import type { RejectRow, ValidRow } from "./parser-harness.ts";

const head = (line: string, ...fields: string[]): string => `${line}\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`;
const get = (...fields: string[]) => head("GET / HTTP/1.1", "Host: x", ...fields);
/** "GET / HTTP/1.1" is 14 bytes without its CRLF; "Host: x" with its CRLF is 9. */
const REQUEST_LINE = 14;
const HOST_LINE = 9;

/** Limits reached exactly, and passed by one byte or one field: fed whole and one byte at a time (the
 * pipelined checks of checkValid/checkReject would break these limits with their own requests). */
const AT_LIMIT: { name: string; raw: string; options: NonNullable<ValidRow["options"]>; error: string | null }[] = [
  { name: "request line exactly at maxRequestLineBytes", raw: get(), options: { limits: { maxRequestLineBytes: REQUEST_LINE } }, error: null },
  { name: "request line one over", raw: get(), options: { limits: { maxRequestLineBytes: REQUEST_LINE - 1 } }, error: "request_line_too_long" },
  { name: "fields exactly at maxHeaderBytes", raw: get("A: 1"), options: { limits: { maxHeaderBytes: HOST_LINE + 6 } }, error: null },
  { name: "fields one over maxHeaderBytes", raw: get("A: 1"), options: { limits: { maxHeaderBytes: HOST_LINE + 5 } }, error: "headers_too_large" },
  { name: "fields exactly at maxHeaderCount", raw: get("A: 1"), options: { limits: { maxHeaderCount: 2 } }, error: null },
  { name: "fields one over maxHeaderCount", raw: get("A: 1"), options: { limits: { maxHeaderCount: 1 } }, error: "too_many_headers" },
];

for (const row of AT_LIMIT) {
  test(`fast path and general path agree at a limit: ${row.name}`, () => {
    const raw = bytes(row.raw + row.raw);
    const whole = run([raw], row.options);
    assert.equal(whole.error?.kind ?? null, row.error);
    assert.equal(whole.messages.length, row.error === null ? 2 : 0);
    assert.deepEqual(run(Array.from(raw, (b) => Uint8Array.of(b)), row.options), whole);
  });
}

const VALID: ValidRow[] = [
  { name: "value_with_htab_obs_text_and_trailing_ows", raw: get("X: \ta\x80b\xff \t"), expect: { head: { fields: [["Host", "x"], ["X", "a\x80b\xff"]] } } },
  { name: "value_of_ows_only", raw: get("X: \t \t"), expect: { head: { fields: [["Host", "x"], ["X", ""]] } } },
  { name: "value_of_every_length_around_four", raw: get("A: 1", "B: 12", "C: 123", "D: 1234", "E: 12345"), expect: { head: { fields: [["Host", "x"], ["A", "1"], ["B", "12"], ["C", "123"], ["D", "1234"], ["E", "12345"]] } } },
  { name: "bare_lf_after_a_value_when_allowed", raw: "GET / HTTP/1.1\r\nHost: x\nA: 1\r\n\r\n", options: { leniency: { allowBareLf: true } }, expect: { head: { fields: [["Host", "x"], ["A", "1"]] } } },
  { name: "bare_lf_after_the_request_line_when_allowed", raw: "GET / HTTP/1.1\nHost: x\r\n\r\n", options: { leniency: { allowBareLf: true } }, expect: { head: { headBytes: 26 } } },
  {
    name: "a_name_too_long_for_the_name_cache",
    raw: get(`X-${"a".repeat(40)}: v`, `x-${"A".repeat(40)}: w`),
    expect: { head: { fields: [["Host", "x"], [`X-${"a".repeat(40)}`, "v"], [`x-${"A".repeat(40)}`, "w"]] } },
  },
  {
    name: "next_head_with_other_names_at_the_same_indexes",
    raw: get("Accept: a", "Cookie: c") + get("Accept-Encoding: e", "cookie: d") + get("Accept: f"),
    expect: { messages: 3, head: { fields: [["Host", "x"], ["Accept", "a"], ["Cookie", "c"]] } },
  },
];

const bad = (name: string, raw: string, kind: string, status: number, options?: RejectRow["options"], before = 0): RejectRow => ({
  name,
  raw,
  options,
  expect: { kind, status, before },
});

const REJECT: RejectRow[] = [
  bad("cr_inside_a_value", get("A: 1\r2"), "bad_field_value", 400),
  bad("cr_cr_lf_after_a_value", "GET / HTTP/1.1\r\nHost: x\r\r\n\r\n", "bad_field_value", 400),
  bad("bare_lf_after_a_value", "GET / HTTP/1.1\r\nHost: x\nA: 1\r\n\r\n", "bare_lf", 400),
  bad("bare_lf_after_the_request_line", "GET / HTTP/1.1\nHost: x\r\n\r\n", "bare_lf", 400),
  bad("cr_inside_the_version", "GET / HTTP/1.\r1\r\nHost: x\r\n\r\n", "bad_version", 400),
  bad("nul_inside_a_value", get("A: 1\x002"), "bad_field_value", 400),
  bad("del_at_the_end_of_a_value", get("A: 12\x7f"), "bad_field_value", 400),
  // The last head's names, at the same index, with what makes them no longer a valid name.
  bad("known_name_then_space_before_colon", get("Accept: a") + get("Accept : a"), "bad_field_name", 400, undefined, 1),
  bad("known_name_then_a_longer_invalid_name", get("Accept: a") + get("Accept(: a"), "bad_field_name", 400, undefined, 1),
  bad("known_name_without_its_colon", get("Accept: a") + get("Accept"), "bad_field_name", 400, undefined, 1),
  bad("known_name_folded", get("Accept: a") + get(" Accept: a"), "obs_fold", 400, undefined, 1),
];

for (const row of VALID) test(`fast path accepts like the general path: ${row.name}`, () => checkValid(row));
for (const row of REJECT) test(`fast path refuses like the general path: ${row.name}`, () => checkReject(row));

test("more distinct names than the name cache holds keep their own spelling and lowercase form", () => {
  // 600 names over 20 heads overflow every slot of fields.ts's name cache many times over.
  let raw = "";
  const expected: [string, string][][] = [];
  for (let h = 0; h < 20; h++) {
    const fields: [string, string][] = [["Host", "x"]];
    for (let k = 0; k < 30; k++) fields.push([`X-${h % 2 === 0 ? "N" : "n"}${h * 30 + k}`, String(k)]);
    raw += head("GET / HTTP/1.1", ...fields.map(([n, v]) => `${n}: ${v}`));
    expected.push(fields);
  }
  for (const chunks of [[bytes(raw)], Array.from(bytes(raw), (b) => Uint8Array.of(b))]) {
    const outcome = run(chunks);
    assert.equal(outcome.error, null);
    assert.deepEqual(outcome.messages.map((m) => m.head.fields), expected);
  }
});

test("heads after a body or after obs-text in the same chunk are decoded from their own bytes", () => {
  // The text decoded ahead for the first GET covers the bytes after it; a body (é in UTF-8: two bytes,
  // one char) or an obs-text value would shift everything after it by one if that text were reused.
  const raw =
    get("A: 1") +
    head("POST /p HTTP/1.1", "Host: x", "Content-Length: 2") + "\xc3\xa9" +
    head("GET /after-body HTTP/1.1", "Host: y") +
    head("GET /obs HTTP/1.1", "Host: x", "X: caf\xe9") +
    head("GET /after-obs-text HTTP/1.1", "Host: z", "B: 2");
  const outcome = run([bytes(raw)]);
  assert.equal(outcome.error, null);
  assert.deepEqual(
    outcome.messages.map((m) => [m.head.target, m.head.fields, m.body]),
    [
      ["/", [["Host", "x"], ["A", "1"]], ""],
      ["/p", [["Host", "x"], ["Content-Length", "2"]], "\xc3\xa9"],
      ["/after-body", [["Host", "y"]], ""],
      ["/obs", [["Host", "x"], ["X", "caf\xe9"]], ""],
      ["/after-obs-text", [["Host", "z"], ["B", "2"]], ""],
    ],
  );
  assert.deepEqual(run(Array.from(bytes(raw), (b) => Uint8Array.of(b))), outcome);
});

test("a chunk array refilled with other bytes and fed again is read anew", async () => {
  const { createParser } = await import("../src/parser.ts");
  const targets: string[] = [];
  const parser = createParser({ onHead: (h) => targets.push(h.target), onBody() {}, onEnd() {}, onError: (e) => assert.fail(e.kind) });
  const first = bytes(head("GET /aaaa HTTP/1.1", "Host: x") + head("GET /bbbb HTTP/1.1", "Host: x"));
  const second = bytes(head("GET /cccc HTTP/1.1", "Host: x") + head("GET /dddd HTTP/1.1", "Host: x"));
  const buffer = new Uint8Array(first.length);
  buffer.set(first);
  parser.feed(buffer);
  buffer.set(second); // the same array, as an adapter reading into one buffer hands it over again
  parser.feed(buffer);
  assert.deepEqual(targets, ["/aaaa", "/bbbb", "/cccc", "/dddd"]);
});
