// pool/protocol.ts: the packed wire form of "job" and "head" round-trips; other messages pass as they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Batcher, forEachMessage, type HeadMessage, type JobMessage, pack, PROTOCOL_VERSION, unpack } from "../src/pool/protocol.ts";

const v = PROTOCOL_VERSION;
const job: JobMessage = {
  v,
  t: "job",
  id: 7,
  method: "POST",
  url: "http://127.0.0.1:8080/a?b=1",
  headers: [["Host", "127.0.0.1:8080"], ["X-A", "1"], ["x-a", "2"]],
  info: { remoteAddr: { transport: "tcp", hostname: "::1", port: 40001 } },
  body: true,
};

test("a job packs into one flat array and unpacks to the same message, with or without a claim", () => {
  const packed = pack(job);
  assert.ok(Array.isArray(packed) && (packed as unknown[]).every((item) => typeof item !== "object"), "flat: no nested objects to clone");
  assert.deepEqual(unpack(packed), job);
  const claimed: JobMessage = { ...job, body: false, claim: { cell: 0, token: 8 } };
  assert.deepEqual(unpack(pack(claimed)), claimed);
  assert.deepEqual(unpack(pack({ ...job, headers: [] })), { ...job, headers: [] });
});

test("a head packs and unpacks, with its bytes or without", () => {
  const bytes = new Uint8Array([1, 2, 3]).buffer;
  const head: HeadMessage = { v, t: "head", id: 9, status: 201, statusText: "Created", fields: ["set-cookie", "a=1", "set-cookie", "b=2"], body: true, bytes };
  const back = unpack(pack(head)) as HeadMessage;
  assert.deepEqual({ ...back, bytes: undefined }, { ...head, bytes: undefined });
  assert.equal(back.bytes, bytes, "the same ArrayBuffer (it is transferred, not copied)");
  const bodiless: HeadMessage = { v, t: "head", id: 10, status: 204, statusText: "", fields: [], body: false };
  assert.deepEqual(unpack(pack(bodiless)), bodiless);
});

test("other messages pass as they are; a packed message of another version is refused", () => {
  const credit = { v, t: "res-credit", id: 3, n: 2 } as const;
  assert.equal(pack(credit), credit);
  assert.equal(unpack(credit), credit);
  const packed = pack(job) as unknown[];
  assert.equal(unpack([v + 1, ...packed.slice(1)]), null);
  assert.equal(unpack([v, "nonsense", 1]), null);
});

test("a string body crosses in the head as the string", () => {
  const head: HeadMessage = { v, t: "head", id: 11, status: 200, statusText: "", fields: ["content-type", "text/html"], body: true, bytes: "<p>hi</p>" };
  assert.deepEqual(unpack(pack(head)), head);
});

// ---- batches ----------------------------------------------------------------------------------------

/** Resolves after the Batcher's turn-end task (setImmediate) has run. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

test("messages added in one turn are posted once, as a batch, in order, with every transfer", async () => {
  const posts: { message: unknown; transfer: ArrayBuffer[] }[] = [];
  const batcher = new Batcher((message, transfer) => posts.push({ message, transfer }));
  const a = new ArrayBuffer(4);
  const b = new ArrayBuffer(8);
  batcher.add(job);
  batcher.add({ v, t: "req-chunk", id: 7, chunk: a }, [a]);
  batcher.add({ v, t: "req-chunk", id: 7, chunk: b }, [b]);
  batcher.add({ v, t: "req-end", id: 7 });
  assert.equal(posts.length, 0, "nothing is posted before the turn ends");
  await nextTurn();
  assert.equal(posts.length, 1);
  assert.deepEqual(posts[0]!.transfer, [a, b]);
  const received: unknown[] = [];
  forEachMessage(posts[0]!.message, (message) => received.push(message));
  assert.deepEqual(received, [job, { v, t: "req-chunk", id: 7, chunk: a }, { v, t: "req-chunk", id: 7, chunk: b }, { v, t: "req-end", id: 7 }]);
});

test("a lone message crosses as itself; flush() posts at once; the next turn starts a new batch", async () => {
  const posts: unknown[] = [];
  const batcher = new Batcher((message) => posts.push(message));
  batcher.add({ v, t: "ping" });
  await nextTurn();
  assert.deepEqual(posts, [{ v, t: "ping" }]);
  batcher.add({ v, t: "ping" });
  batcher.add({ v, t: "shutdown" });
  batcher.flush();
  assert.equal(posts.length, 2, "flush() does not wait for the turn to end");
  await nextTurn();
  assert.equal(posts.length, 2, "and the scheduled flush finds nothing left to send");
  batcher.add({ v, t: "ping" });
  await nextTurn();
  assert.equal(posts.length, 3);
  const received: unknown[] = [];
  forEachMessage(posts[1], (message) => received.push(message));
  assert.deepEqual(received, [{ v, t: "ping" }, { v, t: "shutdown" }]);
});

test("a batch of another protocol version is not unpacked as a batch", () => {
  const received: unknown[] = [];
  forEachMessage([v + 1, "batch", pack(job)], (message) => received.push(message));
  assert.deepEqual(received, [null]);
});
