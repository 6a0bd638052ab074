// pool/ring.ts: records go in and come out whole and in order, across the wrap at the end of the ring;
// a full ring or a string it cannot carry says so (the caller posts instead); listen() wakes on a write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type JobMessage, PROTOCOL_VERSION as v } from "../src/pool/protocol.ts";
import { Ring, RING_BODY_MAX_BYTES, RING_CAPACITY_BYTES, type RingHead } from "../src/pool/ring.ts";

const job = (id: number, extra: [string, string][] = []): JobMessage => ({
  v,
  t: "job",
  id,
  method: "GET",
  url: `http://127.0.0.1:8080/item/${id}?q=caf%C3%A9`,
  headers: [["host", "127.0.0.1:8080"], ["user-agent", "wrk"], ["x-latin1", "caf\u00e9 \u00ff"], ...extra],
  info: { remoteAddr: { transport: "tcp", hostname: "::1", port: 40000 + id } },
  body: false,
});

/** The reader's state word (ring.ts layout: control word 2; 0 awake, 1 asleep on its event loop). */
const readerState = (ring: Ring) => Atomics.load(new Int32Array(ring.buffer, 0, 4), 2);

function drainAll(ring: Ring): { jobs: JobMessage[]; heads: RingHead[] } {
  const jobs: JobMessage[] = [];
  const heads: RingHead[] = [];
  ring.drain((j) => jobs.push(j), (h) => heads.push(h));
  return { jobs, heads };
}

test("a job comes out as it went in, with or without a claim", () => {
  const writer = new Ring();
  const reader = new Ring(writer.buffer);
  const claimed = { ...job(2), claim: { cell: 3, token: 12 } };
  assert.ok(writer.writeJob(job(1)));
  assert.ok(writer.writeJob(claimed));
  assert.ok(writer.writeJob({ ...job(3), headers: [] }));
  assert.deepEqual(drainAll(reader).jobs, [job(1), claimed, { ...job(3), headers: [] }]);
  assert.deepEqual(drainAll(reader).jobs, [], "a record is read once");
});

test("a head comes out with its body as bytes: a string body UTF-8 encoded, bytes as given, or none", () => {
  const ring = new Ring();
  const fields = ["content-type", "text/html; charset=utf-8", "set-cookie", "a=1", "set-cookie", "b=2"];
  assert.ok(ring.writeHead(1, 200, "OK", fields, "<p>h\u00e9llo \u{1f600}</p>"));
  assert.ok(ring.writeHead(2, 201, "", [], new Uint8Array([0, 1, 2, 255])));
  assert.ok(ring.writeHead(3, 204, "No Content", ["x-a", ""], null));
  assert.ok(ring.writeHead(4, 200, "", [], ""));
  const { heads } = drainAll(ring);
  assert.deepEqual(heads.map((h) => ({ ...h, body: h.body && Array.from(h.body) })), [
    { id: 1, status: 200, statusText: "OK", fields, body: Array.from(new TextEncoder().encode("<p>h\u00e9llo \u{1f600}</p>")) },
    { id: 2, status: 201, statusText: "", fields: [], body: [0, 1, 2, 255] },
    { id: 3, status: 204, statusText: "No Content", fields: ["x-a", ""], body: null },
    { id: 4, status: 200, statusText: "", fields: [], body: [] },
  ]);
  assert.ok(!(heads[0]!.body!.buffer instanceof SharedArrayBuffer), "the body is copied out of shared memory");
});

test("strings with NUL and bodies over the limit are refused, and the ring is unchanged", () => {
  const ring = new Ring();
  assert.equal(ring.writeJob(job(1, [["x-nul", "a\0b"]])), false);
  assert.equal(ring.writeJob({ ...job(2), url: "http://x/\0" }), false);
  // A peer address lost with its socket (the transport answers undefined) is left to a message.
  assert.equal(ring.writeJob({ ...job(8), info: { remoteAddr: { transport: "tcp", hostname: undefined as unknown as string, port: undefined as unknown as number } } }), false);
  assert.equal(ring.writeHead(3, 200, "O\0K", [], null), false);
  assert.equal(ring.writeHead(4, 200, "", ["x-a", "\0"], null), false);
  assert.equal(ring.writeHead(5, 200, "", [], new Uint8Array(RING_BODY_MAX_BYTES + 1)), false);
  assert.equal(ring.writeHead(6, 200, "", [], "x".repeat(RING_BODY_MAX_BYTES + 1)), false);
  assert.ok(ring.writeHead(7, 200, "", [], new Uint8Array(RING_BODY_MAX_BYTES)));
  assert.deepEqual(drainAll(ring).heads.map((h) => h.id), [7]);
});

test("a full ring refuses; once read, it takes records again, across the wrap, many times over", () => {
  const ring = new Ring();
  const body = new Uint8Array(RING_BODY_MAX_BYTES).map((_, i) => i % 251);
  let written = 0;
  while (written < 64 && ring.writeHead(written, 200, "", ["x-n", String(written)], body)) written++;
  assert.ok(written > 0 && written * RING_BODY_MAX_BYTES <= RING_CAPACITY_BYTES, `${written} records of 16 KiB fit`);
  assert.deepEqual(drainAll(ring).heads.map((h) => h.id), Array.from({ length: written }, (_, i) => i));
  // Records of varying size, read a few at a time, so the write and read offsets wrap many times.
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 400; round++) {
    for (let k = 0; k < 1 + (round % 5); k++) {
      const size = (next * 7919) % (RING_BODY_MAX_BYTES / 2);
      if (!ring.writeHead(next, 200, "", ["x-n", String(next)], body.subarray(0, size))) break;
      next++;
    }
    for (const head of drainAll(ring).heads) {
      assert.equal(head.id, expected);
      assert.deepEqual(head.fields, ["x-n", String(expected)]);
      const size = (expected * 7919) % (RING_BODY_MAX_BYTES / 2);
      assert.equal(head.body!.byteLength, size);
      if (size > 0) assert.equal(head.body![size - 1], (size - 1) % 251);
      expected++;
    }
  }
  assert.equal(expected, next);
  assert.ok(next * (RING_BODY_MAX_BYTES / 4) > 4 * RING_CAPACITY_BYTES, "the offsets went round the ring several times");
});

test("listen() reads what is there, then sleeps until the next write; close() ends it", async () => {
  const writer = new Ring();
  const reader = new Ring(writer.buffer);
  const seen: number[] = [];
  let wakes = 0;
  writer.writeJob(job(1));
  reader.listen(() => {
    wakes++;
    reader.drain((j) => seen.push(j.id), null);
  });
  assert.deepEqual(seen, [1], "what was already there is read at once");
  writer.writeJob(job(2));
  writer.writeJob(job(3));
  assert.deepEqual(seen, [1], "a write wakes the reader later, not inside the write");
  const deadline = Date.now() + 2000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(seen, [1, 2, 3]);
  const wakesBefore = wakes;
  reader.close();
  writer.writeJob(job(4));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(seen, [1, 2, 3], "nothing is read after close()");
  assert.ok(wakes <= wakesBefore + 1);
});

test("a ring never fills up to where it would look empty (records that exactly fill the free space)", () => {
  // A head with no fields and an n-byte body is a record of exactly 24 + n bytes: with n chosen so a
  // record is 1/16 of the ring, 15 fit, never 16 (the 16th would bring the write offset onto the read one).
  const n = RING_CAPACITY_BYTES / 16 - 24;
  const body = new Uint8Array(n);
  const fill = (ring: Ring, first: number) => {
    let id = first;
    while (id - first < 64 && ring.writeHead(id, 200, "", [], body)) id++; // bounded: a broken ring may never say full
    return id - first;
  };
  const ids = (ring: Ring) => drainAll(ring).heads.map((h) => h.id);
  const straight = new Ring();
  assert.equal(fill(straight, 0), 15);
  assert.deepEqual(ids(straight), Array.from({ length: 15 }, (_, i) => i));
  // Now read == write at 15/16: the next record wraps to 0 (the last 16th is left unused), and records
  // fit up to one short of the read offset: 14 in all.
  assert.equal(fill(straight, 100), 14);
  assert.deepEqual(ids(straight), Array.from({ length: 14 }, (_, i) => 100 + i));
  // Read offset at 1/16, write at 15/16: wrapping to 0 would land the write offset on the read one.
  const wrapping = new Ring();
  assert.ok(wrapping.writeHead(0, 200, "", [], body));
  assert.deepEqual(ids(wrapping), [0]);
  assert.equal(fill(wrapping, 1), 14);
  assert.deepEqual(ids(wrapping), Array.from({ length: 14 }, (_, i) => 1 + i));
});

test("batch() wakes a sleeping reader once for all its records", async () => {
  const writer = new Ring();
  const reader = new Ring(writer.buffer);
  const seen: number[] = [];
  let wakes = 0;
  reader.listen(() => {
    wakes++;
    reader.drain((j) => seen.push(j.id), null);
  });
  const until = async (n: number) => {
    const deadline = Date.now() + 2000;
    while (seen.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const before = wakes;
  writer.batch(() => {
    writer.writeJob(job(1));
    writer.writeJob(job(2));
    writer.writeJob(job(3));
  });
  await until(3);
  assert.deepEqual(seen, [1, 2, 3], "a batch's records all reach the reader (its end wakes it)");
  assert.equal(wakes, before + 1, "one wake-up for the whole batch");
  reader.close();
});

test("a lingering reader stays awake for the rest of a turn that brought records, then sleeps", async () => {
  const writer = new Ring();
  const reader = new Ring(writer.buffer);
  const seen: number[] = [];
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
  const until = async (n: number) => {
    const deadline = Date.now() + 2000;
    while (seen.length < n && Date.now() < deadline) await turn();
  };
  writer.writeJob(job(1));
  reader.listen(() => reader.drain((j) => seen.push(j.id), null), { linger: true });
  assert.deepEqual(seen, [1]);
  assert.equal(readerState(writer), 0, "after a drain that found a record, the reader is still awake: no wake-up is needed");
  // Written while it lingers: read at the end of the turn without any wake (wake() sees it awake).
  writer.writeJob(job(2));
  writer.wake();
  await until(2);
  assert.deepEqual(seen, [1, 2]);
  // A turn that brings nothing: it sleeps, and a write must wake it again.
  await turn();
  await turn();
  assert.equal(readerState(writer), 1, "after a drain that found nothing, the reader sleeps");
  writer.writeJob(job(3));
  await until(3);
  assert.deepEqual(seen, [1, 2, 3], "a write wakes the sleeping reader");
  reader.close();
});

test("without linger, a reader sleeps right after each drain", () => {
  const writer = new Ring();
  const reader = new Ring(writer.buffer);
  writer.writeJob(job(1));
  const seen: number[] = [];
  reader.listen(() => reader.drain((j) => seen.push(j.id), null));
  assert.deepEqual(seen, [1]);
  assert.equal(readerState(writer), 1);
  reader.close();
});

test("heads with the same text share their strings; a head whose text differs in one byte gets its own", () => {
  const ring = new Ring();
  const html = ["content-type", "text/html; charset=utf-8"];
  const rows: [number, string, string[]][] = [
    [200, "OK", html],
    [200, "OK", ["content-type", "text/html; charset=utf-8"]],
    [201, "OK", html], // same text, another status: the status is a word, not text
    [200, "OK", ["content-type", "text/html; charset=utf-9"]], // same length, one byte apart
    [200, "OK", html],
    [200, "Ok", html],
    [200, "OK", [...html, "x-a", "1"]],
    [200, "OK", []],
  ];
  rows.forEach(([status, text, fields], i) => assert.ok(ring.writeHead(i + 1, status, text, fields, "x")));
  const { heads } = drainAll(ring);
  assert.deepEqual(heads.map((h) => [h.status, h.statusText, h.fields]), rows);
  assert.equal(heads[1]!.fields, heads[0]!.fields, "the same text: the same array");
  assert.equal(heads[2]!.fields, heads[0]!.fields);
  assert.notEqual(heads[3]!.fields, heads[2]!.fields);
  // Across drains too, and across the wrap at the end of the ring.
  for (let i = 0; i < 3 * RING_CAPACITY_BYTES / 64; i++) {
    assert.ok(ring.writeHead(100 + i, 200, "OK", i % 2 === 0 ? html : ["content-type", "text/plain"], "x"));
    const [head] = drainAll(ring).heads;
    assert.deepEqual(head!.fields, i % 2 === 0 ? html : ["content-type", "text/plain"]);
  }
});

test("bodies copied out of the ring keep their bytes while later heads are read, small or large", () => {
  const ring = new Ring();
  const kept: [Uint8Array, number[]][] = [];
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 10; i++) {
      const n = round * 10 + i;
      const size = n % 13 === 0 ? 3000 + n : (n * 37) % 700; // some over the slab's 2 KiB limit, some empty
      const body = new Uint8Array(size).map((_, k) => (n + k) & 0xff);
      assert.ok(ring.writeHead(n + 1, 200, "OK", [], body));
      kept.push([body, Array.from(body)]);
    }
    const { heads } = drainAll(ring);
    heads.forEach((head, i) => {
      assert.deepEqual(Array.from(head.body!), kept[round * 10 + i]![1]);
      kept[round * 10 + i]![0] = head.body!;
    });
  }
  for (const [copy, bytes] of kept) assert.deepEqual(Array.from(copy), bytes, "a copy was overwritten by a later one");
});

test("a job with the last job's strings is written from its text bytes; one string apart, it gets its own", () => {
  const writer = new Ring();
  const reader = new Ring(writer.buffer);
  const base = job(1);
  const same = (id: number, change: Partial<JobMessage> = {}, port = 40001): JobMessage =>
    ({ ...base, id, ...change, info: { remoteAddr: { transport: "tcp", hostname: "::1", port } } });
  // Each variant differs from the base in one thing and is written right after the base, so a memo that
  // ignored that thing would write the base's text.
  const variants: JobMessage[] = [
    same(2), // the same strings: the remembered bytes, with its own id and port words
    same(3, {}, 50000),
    same(4, { claim: { cell: 1, token: 7 } }),
    same(5, { url: base.url.replace("caf", "cap") }), // same length, one character apart
    same(6, { method: "PUT" }),
    same(7, { headers: [...base.headers.slice(0, 2), ["x-latin1", "caf\u00e9 \u00fe"]] }), // the last value
    same(8, { headers: [base.headers[0]!, ["user-agenu", "wrk"], base.headers[2]!] }), // a name
    same(9, { headers: base.headers.slice(0, 2) }), // one field fewer
    same(10, { headers: [...base.headers, ["x-a", "1"]] }),
    { ...same(11), info: { remoteAddr: { transport: "tcp", hostname: "::2", port: 40001 } } },
  ];
  const rows = variants.flatMap((variant, i) => [same(100 + i), variant]);
  for (const row of rows) assert.ok(writer.writeJob(row));
  assert.deepEqual(drainAll(reader).jobs, rows);
  // Across the wrap at the end of the ring, alternating with another job.
  for (let i = 0; i < (3 * RING_CAPACITY_BYTES) / 128; i++) {
    const row = i % 3 === 2 ? same(100 + i, { url: "http://h/other" }) : same(100 + i);
    assert.ok(writer.writeJob(row));
    assert.deepEqual(drainAll(reader).jobs, [row]);
  }
});

test("a body with the previous body's bytes is that very array; other bytes of the same length get their own", () => {
  const ring = new Ring();
  const hello = new TextEncoder().encode("hello");
  const rows: (string | Uint8Array | null)[] = ["hello", hello, "hellp", "hello", "hello", null, "hello", "", ""];
  rows.forEach((body, i) => assert.ok(ring.writeHead(i + 1, 200, "OK", [], body)));
  const bodies = drainAll(ring).heads.map((h) => h.body);
  assert.deepEqual(bodies.map((b) => (b === null ? null : new TextDecoder().decode(b))), rows.map((b) => (b === null ? null : typeof b === "string" ? b : "hello")));
  assert.equal(bodies[1], bodies[0], "the same bytes: the same array");
  assert.notEqual(bodies[2], bodies[1], "one byte apart");
  assert.notEqual(bodies[3], bodies[2]);
  assert.equal(bodies[4], bodies[3]);
  assert.equal(bodies[6], bodies[4], "a head without a body in between");
  // Across drains and the wrap too.
  for (let i = 0; i < (3 * RING_CAPACITY_BYTES) / 64; i++) {
    const text = i % 2 === 0 ? "hello" : "world";
    assert.ok(ring.writeHead(100 + i, 200, "OK", [], text));
    assert.equal(new TextDecoder().decode(drainAll(ring).heads[0]!.body!), text);
  }
});
