// The parser as a stream: pause()/resume() at message boundaries, finish() at EOF, `idle` and
// `failed`, and what happens to feed() after an error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createParser } from "../src/parser.ts";
import type { Parser, ParserCallbacks } from "../src/parser.ts";
import { bytes } from "./parser-harness.ts";

const GET = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
const POST5 = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
const CHUNKED = "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

/** A parser that logs events as strings; `hooks` run after the log line (to pause, inspect…). */
function logging(hooks: Partial<Record<"head" | "body" | "end" | "error", (p: Parser) => void>> = {}) {
  const log: string[] = [];
  let parser!: Parser;
  const callbacks: ParserCallbacks = {
    onHead: (h) => (log.push(`head ${h.method} ${h.target}`), hooks.head?.(parser)),
    onBody: (c) => (log.push(`body ${String.fromCharCode(...c)}`), hooks.body?.(parser)),
    onEnd: (t) => (log.push(`end${t ? " " + [...t].join(";") : ""}`), hooks.end?.(parser)),
    onError: (e) => (log.push(`error ${e.kind} ${e.status}`), hooks.error?.(parser)),
  };
  parser = createParser(callbacks);
  return { parser, log };
}

test("pause() in onEnd stops at each message boundary; the rest is fed again after resume()", () => {
  const { parser, log } = logging({ end: (p) => p.pause() });
  const stream = bytes(GET + POST5 + CHUNKED);
  let offset = 0;
  const consumed: number[] = [];
  for (let guard = 0; offset < stream.length && guard < 10; guard++) {
    const n = parser.feed(stream.subarray(offset));
    consumed.push(n);
    offset += n;
    assert.equal(parser.feed(stream.subarray(offset)), 0, "feed() while paused consumes nothing");
    parser.resume();
  }
  assert.deepEqual(consumed, [GET.length, POST5.length, CHUNKED.length]);
  assert.deepEqual(log, ["head GET /a", "end", "head POST /b", "body hello", "end", "head PUT /c", "body abc", "end"]);
});

test("pause() in onHead of a bodyless request still delivers its onEnd, and stops after the head", () => {
  const { parser, log } = logging({ head: (p) => p.pause() });
  const stream = bytes(GET + GET);
  assert.equal(parser.feed(stream), GET.length);
  assert.deepEqual(log, ["head GET /a", "end"]);
  parser.resume();
  assert.equal(parser.feed(stream.subarray(GET.length)), GET.length);
  assert.equal(log.length, 4);
});

test("pause() in onHead of a request with a body stops before the body", () => {
  const { parser, log } = logging({ head: (p) => p.pause() });
  const stream = bytes(POST5);
  const headLength = POST5.length - 5;
  assert.equal(parser.feed(stream), headLength);
  assert.deepEqual(log, ["head POST /b"]);
  assert.equal(parser.idle, false);
  parser.resume();
  assert.equal(parser.feed(stream.subarray(headLength)), 5);
  assert.deepEqual(log, ["head POST /b", "body hello", "end"]);
});

test("pause() in onBody stops after that piece; the message's end is still delivered with its last byte", () => {
  const { parser, log } = logging({ body: (p) => p.pause() });
  const stream = bytes(POST5 + GET);
  const headLength = POST5.length - 5;
  assert.equal(parser.feed(stream.subarray(0, headLength + 2)), headLength + 2);
  assert.deepEqual(log, ["head POST /b", "body he"]);
  parser.resume();
  assert.equal(parser.feed(stream.subarray(headLength + 2)), 3);
  assert.deepEqual(log, ["head POST /b", "body he", "body llo", "end"]);
  parser.resume();
  assert.equal(parser.feed(stream.subarray(POST5.length)), GET.length);
  assert.deepEqual(log.slice(4), ["head GET /a", "end"]);
});

test("onBody hands out views into the fed chunk, without copying", () => {
  const views: Uint8Array[] = [];
  const parser = createParser({ onHead() {}, onBody: (c) => views.push(c), onEnd() {}, onError: () => assert.fail("onError") });
  const stream = bytes(POST5);
  parser.feed(stream);
  assert.equal(views.length, 1);
  assert.equal(views[0]!.buffer, stream.buffer);
  assert.equal(views[0]!.byteOffset, POST5.length - 5);
});

test("finish() at a message boundary, on a fresh parser or after only empty lines, reports nothing", () => {
  for (const sent of ["", GET, GET + "\r\n", "\r\n\r\n", "\r", GET + "\r"]) {
    const { parser, log } = logging();
    parser.feed(bytes(sent));
    assert.equal(parser.idle, true, JSON.stringify(sent));
    parser.finish();
    assert.equal(parser.failed, false);
    assert.equal(log.filter((l) => l.startsWith("error")).length, 0, JSON.stringify(sent));
  }
});

test("finish() in the middle of a request reports incomplete_request once; feed() is then a no-op", () => {
  const { parser, log } = logging();
  parser.feed(bytes("GET / HT"));
  assert.equal(parser.idle, false);
  parser.finish();
  parser.finish();
  assert.deepEqual(log, ["error incomplete_request 400"]);
  assert.equal(parser.failed, true);
  assert.equal(parser.feed(bytes(GET)), GET.length);
  assert.deepEqual(log, ["error incomplete_request 400"]);
});

test("after onError the parser is dead: feed() consumes and ignores everything", () => {
  const { parser, log } = logging();
  const sent = "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n" + GET;
  assert.equal(parser.feed(bytes(sent)), sent.length);
  assert.deepEqual(log, ["error bad_field_name 400"]);
  assert.equal(parser.failed, true);
  assert.equal(parser.idle, false);
  assert.equal(parser.feed(bytes(GET)), GET.length);
  assert.equal(log.length, 1);
});

test("idle is true only between messages", () => {
  const { parser } = logging();
  const states: boolean[] = [parser.idle];
  for (const piece of ["\r\n", "G", "ET /a HTTP/1.1\r\nHost: x\r\n\r\n", "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", "hel", "lo"]) {
    parser.feed(bytes(piece));
    states.push(parser.idle);
  }
  assert.deepEqual(states, [true, true, false, true, false, false, true]);
});

test("the head buffer is bounded: a head dribbled byte by byte past the limit is refused at the limit", () => {
  const log: string[] = [];
  const parser = createParser(
    { onHead: () => assert.fail("onHead"), onBody: () => assert.fail("onBody"), onEnd: () => assert.fail("onEnd"), onError: (e) => log.push(e.kind) },
    { limits: { maxHeaderBytes: 64 } },
  );
  const flood = bytes("GET / HTTP/1.1\r\nX: " + "a".repeat(1000));
  let fedUntilError = 0;
  for (const b of flood) {
    if (parser.failed) break;
    parser.feed(Uint8Array.of(b));
    fedUntilError++;
  }
  assert.deepEqual(log, ["headers_too_large"]);
  assert.ok(fedUntilError <= 16 + 64, `refused only after ${fedUntilError} bytes`);
});

test("createParser validates its options through resolveLimits", () => {
  const noop = { onHead() {}, onBody() {}, onEnd() {}, onError() {} };
  assert.throws(() => createParser(noop, { limits: { maxRequestLineBytes: 0 } }), TypeError);
  assert.throws(() => createParser(noop, { limits: { maxHeaderBytes: -1 } }), TypeError);
});

test("idle seen from inside onHead and onEnd does not depend on how the head was split", () => {
  const stream = bytes(GET + POST5);
  for (let cut = 0; cut <= stream.length; cut++) {
    const seen: string[] = [];
    const { parser } = logging({
      head: (p) => seen.push(`head idle=${p.idle}`),
      end: (p) => seen.push(`end idle=${p.idle}`),
    });
    parser.feed(stream.subarray(0, cut));
    parser.feed(stream.subarray(cut));
    assert.deepEqual(seen, ["head idle=false", "end idle=true", "head idle=false", "end idle=true"], `cut at ${cut}`);
  }
});
