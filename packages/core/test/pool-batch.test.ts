// Batches (pool/protocol.ts) and the job ring (pool/ring.ts) on a real worker of the runtime running the
// tests, checked by counting what crosses through the SpawnWorker port: what main posts in one turn
// crosses as one message, and jobs without a body and whole answers do not cross by message at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../src/pool/pool.ts";
import type { SpawnWorker } from "../src/ports.ts";
import { forEachMessage, type JobMessage, pack, PROTOCOL_VERSION, type WorkerStartData } from "../src/pool/protocol.ts";
import { Ring } from "../src/pool/ring.ts";
import { runWorker } from "../src/pool/worker-loop.ts";
import type { ServeInfo } from "../src/types.ts";
import { runtimeSpawn } from "./fixtures/pool-spawn.ts";

const realSpawn = await runtimeSpawn();
const APP = new URL("./fixtures/pool-app.ts", import.meta.url);
const INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 } };
const JOBS = 6;

/** A pool of one worker whose every post, each way, is recorded as the list of message kinds in it. */
function recordingPool(pool: { concurrency: number; lookahead: number }) {
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
  return { pool: createPool({ module: APP, pool: { workers: 1, ...pool } }, spawn), toWorker, fromWorker };
}

test(`${JOBS} jobs with a body fetched in one turn reach the worker in one post`, async () => {
  // Jobs with a body are never sent ahead (lookahead): the worker runs them all at once instead.
  const { pool, toWorker } = recordingPool({ concurrency: JOBS, lookahead: 0 });
  try {
    await pool.ready;
    toWorker.length = 0;
    const responses = await Promise.all(
      Array.from({ length: JOBS }, (_, i) => pool.fetch(new Request("http://pool.test/echo-sha", { method: "POST", body: `body ${i}` }), INFO)),
    );
    assert.ok(responses.every((r) => r.status === 200));
    assert.equal(toWorker[0]!.filter((t) => t === "job").length, JOBS, `first post: ${JSON.stringify(toWorker[0])}`);
  } finally {
    await pool.close();
  }
});

test(`${JOBS} jobs without a body, and their whole answers, cross through the ring: no job or head is posted`, async () => {
  const { pool, toWorker, fromWorker } = recordingPool({ concurrency: 1, lookahead: JOBS });
  try {
    await pool.ready;
    const responses = await Promise.all(
      Array.from({ length: JOBS }, (_, i) => pool.fetch(new Request(`http://pool.test/fast?i=${i}`), INFO)),
    );
    assert.deepEqual(await Promise.all(responses.map((r) => r.text())), Array(JOBS).fill("fast"));
    assert.deepEqual(toWorker.flat().filter((t) => t === "job"), []);
    assert.deepEqual(fromWorker.flat().filter((t) => t === "head"), []);
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

test("a job with a body that arrives after a ring job overtook it still gets its body (worker side, two channels)", async () => {
  // The worker loop on this thread over a fake port, so the order of the two channels is ours to choose:
  // a bodiless job through the ring first (it starts and waits on a timer), then a job with a body by
  // message, its chunks right behind it. The second must not be held back without an inbox for them.
  const posted: unknown[] = [];
  let deliver: ((message: unknown) => void) | null = null;
  const toWorker = new Ring();
  const toMain = new Ring();
  const data: WorkerStartData = {
    v: PROTOCOL_VERSION, workerId: 1, loop: "", module: APP.href, window: 4, concurrency: 1, claims: null,
    rings: { toWorker: toWorker.buffer, toMain: toMain.buffer }, idleHold: 0, niceIncrement: 0, reportNice: false,
  };
  await runWorker({ data, post: (message) => posted.push(message), onMessage: (listener) => (deliver = listener), exit: () => {} });
  const info = { remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 40000 } };
  const job = (id: number, url: string, body: boolean): JobMessage => ({ v: PROTOCOL_VERSION, t: "job", id, method: body ? "POST" : "GET", url, headers: [], info, body });
  assert.ok(toWorker.writeJob(job(1, "http://pool.test/async-wait?ms=100", false)));
  await new Promise((resolve) => setTimeout(resolve, 20)); // the worker reads the ring and starts job 1
  const bytes = new TextEncoder().encode("hello body");
  deliver!(pack(job(2, "http://pool.test/echo-sha", true)));
  deliver!(pack({ v: PROTOCOL_VERSION, t: "req-chunk", id: 2, chunk: bytes.slice().buffer }));
  deliver!(pack({ v: PROTOCOL_VERSION, t: "req-end", id: 2 }));
  const heads = new Map<number, string>();
  const deadline = Date.now() + 3000;
  while (heads.size < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    toMain.drain(null, (head) => heads.set(head.id, new TextDecoder().decode(head.body!)));
    for (const raw of posted.splice(0)) {
      forEachMessage(raw, (m) => {
        const message = m as { t: string; id: number; bytes?: ArrayBuffer | string };
        if (message.t === "head" && message.bytes !== undefined) heads.set(message.id, typeof message.bytes === "string" ? message.bytes : new TextDecoder().decode(message.bytes));
      });
    }
  }
  assert.equal(heads.get(1), "waited");
  assert.ok(heads.has(2), "the job with a body was answered");
  assert.equal(JSON.parse(heads.get(2)!).bytes, bytes.byteLength);
});

test("a pool says once why it cannot lower its workers' priority: only its first worker is asked to, not a replacement", async () => {
  const started: { workerId: number; reportNice: boolean }[] = [];
  const spawn: SpawnWorker = (data, events, options) => {
    const { workerId, reportNice } = data as WorkerStartData;
    started.push({ workerId, reportNice });
    return realSpawn(data, events, options);
  };
  const pool = createPool({ module: APP, pool: { workers: 2, lookahead: 0 } }, spawn);
  try {
    await pool.ready;
    // Worker 1 takes the first job of an idle pool; it dies, and is replaced.
    const response = await pool.fetch(new Request("http://pool.test/exit"), INFO);
    assert.equal(response.status, 502);
    const deadline = Date.now() + 10_000;
    while (!(pool.stats().restarts === 1 && pool.stats().perWorker.every((w) => w.alive)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(pool.stats().restarts, 1, "a worker was replaced");
    assert.equal(started.length, 3);
    assert.deepEqual(started.map((s) => s.reportNice), [true, false, false], JSON.stringify(started));
  } finally {
    await pool.close();
  }
});

test("a worker that cannot lower its priority warns only when it is the one asked to report", async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    for (const reportNice of [true, false]) {
      const data: WorkerStartData = {
        v: PROTOCOL_VERSION, workerId: 1, loop: "", module: APP.href, window: 4, concurrency: 1, claims: null,
        rings: null, idleHold: 0, niceIncrement: 5, reportNice,
      };
      let deliver: ((message: unknown) => void) | null = null;
      let exited!: () => void;
      const exit = new Promise<void>((resolve) => (exited = resolve));
      const nice = { get: () => 0, set: () => { throw new Error("refused on purpose"); } };
      await runWorker({ data, post: () => {}, onMessage: (listener) => (deliver = listener), exit: () => exited(), nice });
      deliver!(pack({ v: PROTOCOL_VERSION, t: "shutdown" }));
      await exit;
    }
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]!, /niceIncrement not applied.*refused on purpose/);
});
