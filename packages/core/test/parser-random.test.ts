// Seeded random tests (fast-check): generated pipelined streams of valid requests parse to exactly the
// requests generated, however the stream is split; any byte soup, split anyhow, never throws, always
// returns, and gets the same outcome as when fed in one chunk.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bytes, concat, run, splitAt } from "./parser-harness.ts";
import type { Message } from "./parser-harness.ts";

const SEED = 20261122;
const RUNS = 150;

const TOKEN_CHARS = "abcXYZ019-_!#$%&'*+.^`|~".split("");
const VALUE_CHARS = "abc XYZ\t019;=,/:\"(){}\x80\xe9\xff".split("");
const PATH_CHARS = "abz09/%?=&-._~:@!$'()*+,;".split("");
const BODY_CHARS = "ab\r\n\x00\xffGET /".split("");

const token = fc.array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join(""));
const fieldValue = fc
  .array(fc.constantFrom(...VALUE_CHARS), { maxLength: 20 })
  .map((a) => a.join("").replace(/^[ \t]+|[ \t]+$/g, ""));
const fieldName = token.filter((n) => !["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade"].includes(n.toLowerCase()));
const field = fc.tuple(fieldName, fieldValue);
const text = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(""));

type Body = { kind: "none" } | { kind: "length"; data: string } | { kind: "chunked"; chunks: string[]; ext: string; trailers: [string, string][] };

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: "none" }),
  text(BODY_CHARS, 40).map((data): Body => ({ kind: "length", data })),
  fc
    .record({
      chunks: fc.array(text(BODY_CHARS, 20).filter((c) => c.length > 0), { maxLength: 4 }),
      ext: fc.constantFrom("", ";a", ";a=b", ' ;q="x y"'),
      trailers: fc.array(field, { maxLength: 2 }),
    })
    .map((r): Body => ({ kind: "chunked", ...r })),
);

interface Request {
  method: string;
  path: string;
  minor: 0 | 1;
  fields: [string, string][];
  close: boolean;
  body: Body;
}

const request: fc.Arbitrary<Request> = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "X-CUSTOM"),
  path: text(PATH_CHARS, 20).map((p) => "/" + p),
  minor: fc.constantFrom<0 | 1>(0, 1),
  fields: fc.array(field, { maxLength: 6 }),
  close: fc.boolean(),
  body,
});

/** The bytes of a generated request and the Message the parser must report for it. */
function serialize(r: Request): { raw: string; message: Message } {
  const fields: [string, string][] = [["Host", "example.com"], ...r.fields];
  if (r.close) fields.push(["Connection", "close"]);
  // Chunked is HTTP/1.1 only (RFC 9112 §6.1).
  const b = r.body.kind === "chunked" && r.minor === 0 ? ({ kind: "length", data: r.body.chunks.join("") } as Body) : r.body;
  if (b.kind === "length") fields.push(["Content-Length", String(b.data.length)]);
  if (b.kind === "chunked") fields.push(["Transfer-Encoding", "chunked"]);
  const requestLine = `${r.method} ${r.path} HTTP/1.${r.minor}`;
  let raw = `${requestLine}\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
  const headBytes = raw.length;
  let data = "";
  let trailers: [string, string][] | null = null;
  if (b.kind === "length") {
    raw += b.data;
    data = b.data;
  } else if (b.kind === "chunked") {
    for (const c of b.chunks) raw += `${c.length.toString(16)}${b.ext}\r\n${c}\r\n`;
    raw += `0${b.ext}\r\n${b.trailers.map(([n, v]) => `${n}:${v}\r\n`).join("")}\r\n`;
    data = b.chunks.join("");
    trailers = b.trailers.length > 0 ? b.trailers : null;
  }
  const message: Message = {
    head: {
      method: r.method,
      target: r.path,
      targetForm: "origin",
      versionMinor: r.minor,
      fields,
      keepAlive: r.minor === 1 && !r.close,
      expectContinue: false,
      upgrade: null,
      bodyKind: b.kind,
      contentLength: b.kind === "length" ? b.data.length : b.kind === "chunked" ? -1 : 0,
      headBytes,
    },
    body: data,
    trailers,
    ended: true,
  };
  return { raw, message };
}

const cuts = fc.array(fc.nat({ max: 4000 }), { maxLength: 30 });

test("random pipelined valid requests, split at random points, give exactly the generated messages", () => {
  fc.assert(
    fc.property(fc.array(request, { minLength: 1, maxLength: 10 }), cuts, (requests, offsets) => {
      const parts = requests.map(serialize);
      const stream = bytes(parts.map((p) => p.raw).join(""));
      const expected = { messages: parts.map((p) => p.message), error: null };
      assert.deepEqual(run([stream]), expected);
      assert.deepEqual(run(splitAt(stream, offsets.map((o) => o % (stream.length + 1)))), expected);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

/** Pieces of HTTP that steer random input into every state of the parser. */
const HTTP_PIECES = [
  "GET", "POST", " ", "  ", "/", "/a?b", "*", "http://h/", "h:80", " HTTP/1.1", " HTTP/1.0", " HTTP/2.0", "\r\n", "\n", "\r",
  "Host: x", "Host:", ":", "Content-Length: 3", "Content-Length: 0", "Transfer-Encoding: chunked", "Connection: close",
  "0", "5", "f", ";e=1", "abc", "\t", "\x00", "\x7f", "\xff", "#", "Expect: 100-continue",
];
const httpSoup = fc.array(fc.constantFrom(...HTTP_PIECES), { maxLength: 60 }).map((a) => bytes(a.join("")));
const byteSoup = fc.uint8Array({ maxLength: 400 });
/** Valid requests with a few bytes inserted, deleted or replaced: reaches the deep states (fields,
 * framing, chunked, trailers) that random soup rarely gets to. */
const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x30, 0x3a, 0x3b, 0x41, 0x61, 0x7f, 0xff];
const mutated = fc
  .tuple(
    fc.array(request, { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...INTERESTING)), { minLength: 1, maxLength: 3 }),
  )
  .map(([requests, edits]) => {
    const chars = requests.map((r) => serialize(r).raw).join("").split("");
    for (const [at, op, byte] of edits) {
      const i = at % (chars.length + 1);
      const c = String.fromCharCode(byte);
      if (op === 0) chars.splice(i, 0, c);
      else if (op === 1) chars.splice(i, 1);
      else chars.splice(i, 1, c);
    }
    return bytes(chars.join(""));
  });

test("random byte soup never throws, always returns, and does not depend on the split", () => {
  fc.assert(
    fc.property(fc.oneof(httpSoup, byteSoup, mutated), cuts, (soup, offsets) => {
      const whole = run([soup]);
      const split = run(splitAt(soup, offsets.map((o) => o % (soup.length + 1))));
      assert.deepEqual(split, whole);
      if (whole.error) assert.ok(whole.error.status >= 400 && whole.error.status < 600);
    }),
    { seed: SEED, numRuns: RUNS * 4 },
  );
});

/** Tight limits and either bare-LF policy: the limit checks on partial lines must agree with the
 * checks on complete lines, whatever the split. */
const tightOptions = fc.record({
  limits: fc.record({
    maxRequestLineBytes: fc.integer({ min: 1, max: 40 }),
    maxHeaderBytes: fc.integer({ min: 0, max: 80 }),
    maxHeaderCount: fc.integer({ min: 0, max: 4 }),
    maxBodyBytes: fc.integer({ min: 0, max: 30 }),
    maxChunkExtensionBytes: fc.integer({ min: 0, max: 6 }),
    maxTrailerBytes: fc.integer({ min: 0, max: 30 }),
  }),
  leniency: fc.record({ allowBareLf: fc.boolean() }),
});

test("under tight limits and either bare-LF policy, the outcome does not depend on the split", () => {
  fc.assert(
    fc.property(fc.oneof(httpSoup, mutated), tightOptions, cuts, (soup, options, offsets) => {
      const whole = run([soup], options);
      assert.deepEqual(run(splitAt(soup, offsets.map((o) => o % (soup.length + 1))), options), whole);
      assert.deepEqual(run(Array.from(soup, (b) => Uint8Array.of(b)), options), whole);
    }),
    { seed: SEED, numRuns: RUNS * 2 },
  );
});

test("a valid prefix followed by soup: the valid requests come out, the rest is refused or accepted alike in any split", () => {
  fc.assert(
    fc.property(fc.array(request, { minLength: 1, maxLength: 3 }), httpSoup, cuts, (requests, soup, offsets) => {
      const parts = requests.map(serialize);
      const stream = concat(bytes(parts.map((p) => p.raw).join("")), soup);
      const whole = run([stream]);
      assert.deepEqual(whole.messages.slice(0, parts.length), parts.map((p) => p.message));
      assert.deepEqual(run(splitAt(stream, offsets.map((o) => o % (stream.length + 1)))), whole);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
