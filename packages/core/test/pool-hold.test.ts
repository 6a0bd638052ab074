// pool.idleHold (Ring.listen): a thread worker with nothing running may block in Atomics.wait for its
// next job. What that must never cost: messages from main (a job with a body, shutdown) wait for no
// hold, and the whole stretch a worker spends away from its event loop stays within idleHold, so a
// timer a finished handler left behind runs at most that late. On real workers of the runtime running
// the tests; bounds are generous (CI is a shared 2-core machine).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool } from "../src/pool/pool.ts";
import type { ServeInfo } from "../src/types.ts";
import { runtimeSpawn } from "./fixtures/pool-spawn.ts";

const spawn = await runtimeSpawn();
const APP = new URL("./fixtures/hold-app.ts", import.meta.url);
const INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = async (pool: Pool, path: string, init?: RequestInit) =>
  (await pool.fetch(new Request(`http://pool.test${path}`, init), INFO)).text();

async function withPool(idleHold: number, body: (pool: Pool) => Promise<void>): Promise<void> {
  const pool = createPool({ module: APP, pool: { workers: 1, idleHold } }, spawn);
  try {
    await pool.ready;
    await body(pool);
  } finally {
    await pool.close();
  }
}

/** Ms from answering /timer-set until /timer-read, asked back to back, says the timer fired (-1: not
 * within `limitMs`). Asking keeps jobs coming, so a worker that never left its hold would never run it. */
async function timerDelay(pool: Pool, limitMs: number): Promise<number> {
  assert.equal(await text(pool, "/timer-set"), "set");
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await text(pool, "/timer-read") === "fired") return performance.now() - start;
  }
  return -1;
}

test("a worker holding for its next job still takes a job by message at once, and shuts down at once", async () => {
  const HOLD_MS = 10_000;
  const started = performance.now();
  await withPool(HOLD_MS, async (pool) => {
    assert.equal(await text(pool, "/"), "sync"); // through the ring; then the worker holds
    await sleep(50);
    const before = performance.now();
    assert.equal(await text(pool, "/echo", { method: "POST", body: "by message" }), "by message");
    const ms = performance.now() - before;
    assert.ok(ms < 2_000, `a job with a body waited ${ms.toFixed(0)} ms for a worker holding up to ${HOLD_MS} ms`);
  });
  const total = performance.now() - started;
  assert.ok(total < HOLD_MS / 2, `start, two jobs and close took ${total.toFixed(0)} ms with idleHold ${HOLD_MS}`);
});

test("a hold delays a timer left by a finished handler, never past idleHold, even while jobs keep coming", async () => {
  const HOLD_MS = 400;
  await withPool(HOLD_MS, async (pool) => {
    await sleep(HOLD_MS + 100); // the hold that began at start-up is over: the next job begins a new one
    const ms = await timerDelay(pool, 5_000);
    assert.notEqual(ms, -1, "the timer never ran while jobs kept coming: the hold has no end");
    // The stretch began when /timer-set woke the worker: the timer runs when it ends, not before.
    assert.ok(ms >= HOLD_MS / 4, `the timer ran ${ms.toFixed(0)} ms after the handler: the worker did not hold`);
    assert.ok(ms < HOLD_MS + 1_500, `the timer ran ${ms.toFixed(0)} ms after the handler, idleHold ${HOLD_MS}`);
  });
});

test("idleHold 0: the worker waits on its event loop, and the timer runs at once", async () => {
  await withPool(0, async (pool) => {
    const ms = await timerDelay(pool, 5_000);
    assert.notEqual(ms, -1, "the timer never ran");
    assert.ok(ms < 100, `the timer ran ${ms.toFixed(0)} ms after the handler without a hold`);
  });
});
