// A head whose bytes repeat the previous head's is handed out again without being read (parser.ts
// repeatedHead). The oracle: the same stream fed byte by byte, where no chunk ever holds a whole head, so
// every head is read afresh. Whatever a repeat looks like (exact, or one byte changed, added or dropped
// anywhere), both must give the same outcome.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createParser } from "../src/parser.ts";
import type { RequestHead } from "../src/parser.ts";
import { byteByByte, bytes, run, summarize } from "./parser-harness.ts";

const SEED = 20261202;
const RUNS = 200;

const HEADS = [
  "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
  "GET /a?b=c HTTP/1.1\r\nHost: h\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n",
  "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
  "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: h\r\nX-Obs: caf\xe9\r\nConnection: close\r\n\r\n",
  "OPTIONS * HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
];
/** Bytes that turn a valid line into another valid one, an invalid one, or change where it ends. */
const EDIT_BYTES = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x2c, 0x30, 0x3a, 0x41, 0x61, 0x7f, 0xe9];

function sameAsAfresh(stream: string): void {
  const raw = bytes(stream);
  assert.deepEqual(run([raw]), run(byteByByte(raw)), JSON.stringify(stream));
}

test("a head repeated with one byte replaced, at any position by any of several bytes, gets the verdict reading it afresh gives", () => {
  for (const head of HEADS) {
    for (let i = 0; i < head.length; i++) {
      for (const b of EDIT_BYTES) {
        const edited = head.slice(0, i) + String.fromCharCode(b) + head.slice(i + 1);
        sameAsAfresh(head + edited);
        sameAsAfresh(head + head + edited + head);
      }
      // One byte dropped, one added.
      sameAsAfresh(head + head.slice(0, i) + head.slice(i + 1));
      sameAsAfresh(head + head.slice(0, i) + "a" + head.slice(i));
    }
  }
});

test("exact repeats, also after empty lines and across pipelined batches, give the same messages", () => {
  for (const head of HEADS) {
    const raw = bytes(head.repeat(5) + "\r\n" + head + "\r\n\r\n" + head);
    const fresh = run(byteByByte(raw));
    assert.equal(fresh.messages.length, 7);
    assert.deepEqual(run([raw]), fresh);
    // Fed one head per chunk (as a keep-alive client sends them) and one chunk for everything.
    assert.deepEqual(run(Array.from({ length: 4 }, () => bytes(head))), run(byteByByte(bytes(head.repeat(4)))));
  }
});

test("random repeats with random edits, under random limits and either bare-LF policy, match reading afresh", () => {
  const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...EDIT_BYTES));
  const options = fc.record({
    limits: fc.record({
      maxRequestLineBytes: fc.integer({ min: 10, max: 60 }),
      maxHeaderBytes: fc.integer({ min: 0, max: 80 }),
      maxHeaderCount: fc.integer({ min: 0, max: 4 }),
    }),
    leniency: fc.record({ allowBareLf: fc.boolean() }),
  });
  fc.assert(
    fc.property(fc.constantFrom(...HEADS), fc.integer({ min: 1, max: 4 }), fc.option(edit), options, (head, copies, change, opts) => {
      const chars = head.repeat(copies + 1).split("");
      if (change !== null) {
        const [at, op, byte] = change;
        // Somewhere after the first copy: the first head is read afresh and remembered.
        const i = head.length + (at % (chars.length - head.length + 1));
        const c = String.fromCharCode(byte);
        if (op === 0) chars.splice(i, 0, c);
        else if (op === 1) chars.splice(i, 1);
        else chars.splice(i, 1, c);
      }
      const raw = bytes(chars.join(""));
      assert.deepEqual(run([raw], opts), run(byteByByte(raw), opts));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test("each repeated head has its own Fields: changing one head's fields changes no other head", () => {
  const heads: RequestHead[] = [];
  const parser = createParser({
    onHead: (head) => {
      heads.push(head);
      head.fields.append("X-Added", String(heads.length));
    },
    onBody: () => {},
    onEnd: () => {},
    onError: (error) => assert.fail(error.kind),
  });
  parser.feed(bytes(HEADS[1]!.repeat(3)));
  assert.equal(heads.length, 3);
  assert.notEqual(heads[0], heads[1]);
  assert.notEqual(heads[1]!.fields, heads[2]!.fields);
  for (let k = 0; k < 3; k++) assert.deepEqual(heads[k]!.fields.getAll("x-added"), [String(k + 1)]);
  assert.deepEqual(heads.map((h) => h.target), ["/a?b=c", "/a?b=c", "/a?b=c"]);
});

// repeatedRequest: the connection's fast lane asks, before feeding, whether a chunk is exactly the last
// head again (connection.ts answerRepeated). The oracle is feed itself: the head it would hand out, and
// the parser's state afterwards.

/** A parser that has read `head` once, and what it called back since. */
function parserAfter(head: string) {
  const seen: RequestHead[] = [];
  const parser = createParser({
    onHead: (h) => seen.push(h),
    onBody: () => {},
    onEnd: () => {},
    onError: (error) => assert.fail(error.kind),
  });
  parser.feed(bytes(head));
  seen.length = 0;
  return { parser, seen };
}

test("repeatedRequest hands out what feeding the same bodyless head would, calls nothing back and leaves the parser as feeding would", () => {
  for (const head of HEADS) {
    const bodyless = !head.includes("Content-Length") && !head.includes("chunked");
    const { parser, seen } = parserAfter(head);
    const repeated = parser.repeatedRequest(bytes(head));
    assert.equal(seen.length, 0, "no callback");
    if (!bodyless) {
      assert.equal(repeated, null, `a head with a body is left to feed: ${JSON.stringify(head)}`);
      continue;
    }
    assert.ok(repeated !== null, JSON.stringify(head));
    assert.ok(parser.pristine && parser.idle && !parser.failed);
    parser.feed(bytes(head));
    assert.equal(seen.length, 1);
    assert.deepEqual(summarize(repeated), summarize(seen[0]!));
    assert.notEqual(repeated.fields, seen[0]!.fields, "its own Fields");
  }
});

test("repeatedRequest says null, changing nothing, for any other chunk: one byte changed, dropped or added, more or less than the head, or a parser in the middle of a head", () => {
  const head = HEADS[1]!;
  const others: string[] = ["", head.slice(0, -1), head + head, head + "\r\n", "\r\n" + head];
  for (let i = 0; i < head.length; i++) {
    others.push(head.slice(0, i) + String.fromCharCode(head.charCodeAt(i) ^ 0x20) + head.slice(i + 1));
    others.push(head.slice(0, i) + head.slice(i + 1));
    others.push(head.slice(0, i) + "a" + head.slice(i));
  }
  for (const other of others) {
    const { parser, seen } = parserAfter(head);
    assert.equal(parser.repeatedRequest(bytes(other)), null, JSON.stringify(other));
    assert.equal(seen.length, 0);
    assert.ok(parser.pristine);
  }
  // Part of a head held: not pristine, so not even the exact head is taken.
  const { parser } = parserAfter(head);
  parser.feed(bytes("GET /"));
  assert.equal(parser.repeatedRequest(bytes(head)), null);
  // Nothing remembered yet (a new parser): null.
  assert.equal(createParser({ onHead: () => {}, onBody: () => {}, onEnd: () => {}, onError: () => {} }).repeatedRequest(bytes(head)), null);
});
