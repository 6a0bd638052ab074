// pool/protocol.ts: the packed wire form of "job" and "head" round-trips; other messages pass as they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type HeadMessage, type JobMessage, pack, PROTOCOL_VERSION, unpack } from "../src/pool/protocol.ts";

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
  const head: HeadMessage = { v, t: "head", id: 9, status: 201, statusText: "Created", headers: [["set-cookie", "a=1"], ["set-cookie", "b=2"]], body: true, bytes };
  const back = unpack(pack(head)) as HeadMessage;
  assert.deepEqual({ ...back, bytes: undefined }, { ...head, bytes: undefined });
  assert.equal(back.bytes, bytes, "the same ArrayBuffer (it is transferred, not copied)");
  const bodiless: HeadMessage = { v, t: "head", id: 10, status: 204, statusText: "", headers: [], body: false };
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
