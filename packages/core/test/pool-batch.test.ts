// Batches (pool/protocol.ts): what main and a worker post in one turn crosses as one message. Checked on
// a real worker of the runtime running the tests, by counting what crosses through the SpawnWorker port.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../src/pool/pool.ts";
import type { SpawnWorker } from "../src/ports.ts";
import { forEachMessage } from "../src/pool/protocol.ts";
import type { ServeInfo } from "../src/types.ts";
import { runtimeSpawn } from "./fixtures/pool-spawn.ts";

const realSpawn = await runtimeSpawn();
const APP = new URL("./fixtures/pool-app.ts", import.meta.url);
const INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 } };
const JOBS = 6;

test(`${JOBS} jobs fetched in one turn reach the worker in one post`, async () => {
  const toWorker: string[][] = [];
  const fromWorker: string[][] = [];
  const kinds = (raw: unknown) => {
    const kinds: string[] = [];
    forEachMessage(raw, (message) => kinds.push((message as { t: string }).t));
    return kinds;
  };
  const spawn: SpawnWorker = (data, events, options) => {
    const handle = realSpawn(data, { ...events, onMessage: (raw) => (fromWorker.push(kinds(raw)), events.onMessage(raw)) }, options);
    return { post: (message, transfer) => (toWorker.push(kinds(message)), handle.post(message, transfer)), terminate: () => handle.terminate() };
  };
  const pool = createPool({ module: APP, pool: { workers: 1, concurrency: 1, lookahead: JOBS } }, spawn);
  try {
    await pool.ready;
    toWorker.length = 0;
    fromWorker.length = 0;
    const responses = await Promise.all(
      Array.from({ length: JOBS }, (_, i) => pool.fetch(new Request(`http://pool.test/fast?i=${i}`), INFO)),
    );
    assert.deepEqual(await Promise.all(responses.map((r) => r.text())), Array(JOBS).fill("fast"));
    assert.deepEqual(toWorker, [Array(JOBS).fill("job")], "every job in one post");
    assert.equal(fromWorker.flat().filter((t) => t === "head").length, JOBS);
  } finally {
    await pool.close();
  }
});

test("an answer is not held back by the handler that runs after it, even one that blocks the thread", async () => {
  const BLOCK_MS = 800;
  const pool = createPool({ module: APP, pool: { workers: 1, concurrency: 1, lookahead: 2 } }, realSpawn);
  try {
    await pool.ready;
    const started = performance.now();
    // One turn: both cross in one batch; the worker answers /fast, then blocks in /sleep.
    const fast = pool.fetch(new Request("http://pool.test/fast"), INFO).then(() => performance.now() - started);
    const slow = pool.fetch(new Request(`http://pool.test/sleep?ms=${BLOCK_MS}`), INFO).then(() => performance.now() - started);
    const [fastMs, slowMs] = await Promise.all([fast, slow]);
    assert.ok(slowMs >= BLOCK_MS, `the blocking job took ${slowMs.toFixed(0)} ms`);
    assert.ok(fastMs < BLOCK_MS / 2, `/fast answered after ${fastMs.toFixed(0)} ms, with /sleep blocking for ${BLOCK_MS} ms`);
  } finally {
    await pool.close();
  }
});
