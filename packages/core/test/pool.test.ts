// The worker pool on real threads of the runtime running these tests (issue 4's list). Requests go
// straight to pool.fetch (no sockets); the app is fixtures/pool-app.ts. Sleeps are short and timing
// bounds generous: CI is a shared 2-core machine running three runtimes.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createPool, type Pool, type PoolConfig } from "../src/pool/pool.ts";
import type { ServeInfo } from "../src/types.ts";
import { patternChunk } from "./fixtures/pool-app.ts";
import { RUNTIME, runtimeSpawn } from "./fixtures/pool-spawn.ts";

const spawn = await runtimeSpawn();
const APP = new URL("./fixtures/pool-app.ts", import.meta.url);
const INFO: ServeInfo = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 } };
const MiB = 1024 * 1024;

/** What a runtime cannot do yet, by name (checked both ways: a fixed gap fails its test too). */
const KNOWN_GAPS = {
  // Deno 2.9: neither Web Worker nor node:worker_threads terminate() stops a thread stuck in
  // `for (;;) {}` (denoland/deno#35657, open). The client still gets 504 and the pool a fresh worker;
  // the old thread burns a core until the process exits (with node:worker_threads the process does exit).
  spinningThreadOutlivesTerminate: RUNTIME === "deno",
};

async function withPool(config: Omit<PoolConfig, "module">, body: (pool: Pool, log: string[]) => Promise<void>) {
  const log: string[] = [];
  const pool = createPool({ module: APP, onLog: (line) => log.push(line), ...config }, spawn);
  try {
    await pool.ready;
    await body(pool, log);
  } finally {
    await pool.close();
  }
}

const get = (pool: Pool, path: string, init?: RequestInit) => pool.fetch(new Request(`http://pool.test${path}`, init), INFO);

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work;
  return [value, performance.now() - start];
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

test("4 workers: with 3 blocking jobs in flight, a fast request is answered well under 200 ms", async () => {
  await withPool({ pool: { workers: 4 } }, async (pool) => {
    const slow = [1, 2, 3].map(() => get(pool, "/sleep?ms=700"));
    await until(() => pool.stats().running === 3, "3 slow jobs running");
    // Best of three: one scheduler hiccup on a loaded CI machine must not decide the test; a fast request
    // stuck behind a slow one would take ~700 ms every time.
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [fast, ms] = await timed(get(pool, "/fast"));
      assert.equal(await fast.text(), "fast");
      times.push(ms);
    }
    assert.ok(Math.min(...times) < 200, `fast requests took ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
    assert.equal(pool.stats().running, 3, "the slow jobs were still running");
    for (const response of await Promise.all(slow)) assert.equal(await response.text(), "slept");
  });
});

test("1 worker: a fast request waits for the blocking one (the pool is the limit)", async () => {
  await withPool({ pool: { workers: 1 } }, async (pool, log) => {
    const slow = get(pool, "/sleep?ms=400");
    await until(() => pool.stats().running === 1, "the slow job running");
    const [fast, ms] = await timed(get(pool, "/fast"));
    assert.equal(await fast.text(), "fast");
    assert.ok(ms >= 250, `fast request should have waited, took ${ms.toFixed(0)} ms`);
    assert.equal((await slow).status, 200);
    assert.deepEqual(log.filter((line) => line.includes("got a job")), [
      "worker 1 got a job; executing.",
      "worker 1 got a job; it waits behind the running one.", // lookahead: no round trip when it frees up
    ]);
  });
});

test("a handler that throws or rejects gets 500 and the same worker serves the next job", async () => {
  await withPool({ pool: { workers: 1 } }, async (pool, log) => {
    const thrown = await get(pool, "/throw");
    assert.equal(thrown.status, 500);
    assert.equal(await thrown.text(), "Internal Server Error", "the error text never reaches the client");
    assert.equal((await get(pool, "/reject")).status, 500);
    const next = await get(pool, "/fast");
    assert.equal(await next.text(), "fast");
    const stats = pool.stats();
    assert.equal(stats.restarts, 0);
    assert.equal(stats.failed, 2);
    assert.equal(stats.completed, 1);
    assert.ok(log.some((line) => line.includes("handler failure on purpose")), "the operator's log has the error");
  });
});

test("a handler that exits its worker: that job gets 502, others in flight succeed, the pool is full again", async () => {
  await withPool({ pool: { workers: 3 } }, async (pool) => {
    const others = [get(pool, "/sleep?ms=300"), get(pool, "/sleep?ms=300")];
    await until(() => pool.stats().running === 2, "2 jobs running");
    const exited = await get(pool, "/exit");
    assert.equal(exited.status, 502);
    for (const response of await Promise.all(others)) assert.equal(await response.text(), "slept");
    await until(() => pool.stats().perWorker.every((w) => w.alive), "the replacement worker", 10_000);
    const stats = pool.stats();
    assert.equal(stats.workers, 3);
    assert.equal(stats.restarts, 1);
    // Three blocking jobs at once finish together only if three threads run them.
    const [all, ms] = await timed(Promise.all([1, 2, 3].map(() => get(pool, "/sleep?ms=300"))));
    for (const response of all) assert.equal(response.status, 200);
    assert.ok(ms < 850, `3 parallel 300 ms jobs took ${ms.toFixed(0)} ms`);
  });
});

test("a fatal error outside the handler kills its worker: that job gets 502, the others succeed, it is replaced", async () => {
  await withPool({ pool: { workers: 2 } }, async (pool, log) => {
    const other = get(pool, "/sleep?ms=300");
    await until(() => pool.stats().running === 1, "the other job running");
    // The crashing job never answers by itself: only the thread's death can settle it.
    const [crashed, ms] = await timed(get(pool, "/crash"));
    assert.equal(crashed.status, 502);
    assert.equal(await crashed.text(), "Bad Gateway", "the error text never reaches the client");
    assert.ok(ms < 3000, `502 after ${ms.toFixed(0)} ms`);
    assert.equal(await (await other).text(), "slept");
    await until(() => pool.stats().restarts === 1 && pool.stats().perWorker.every((w) => w.alive), "the replacement", 10_000);
    // `s`: Bun's ErrorEvent message quotes the source lines before the error text.
    assert.ok(log.some((line) => /worker \d failed: .*fatal worker error on purpose/s.test(line)), log.join("\n"));
    const again = await Promise.all([get(pool, "/fast"), get(pool, "/fast")]);
    for (const response of again) assert.equal(await response.text(), "fast");
  });
});

test("an infinite loop misses the deadline: 504, the thread is terminated and replaced, the rest never notice", async () => {
  await withPool({ pool: { workers: 2, taskTimeout: 300 } }, async (pool, log) => {
    const stuck = timed(get(pool, "/loop"));
    await until(() => pool.stats().running === 1, "the loop running");
    const other = await get(pool, "/sleep?ms=100");
    assert.equal(await other.text(), "slept");
    const [response, ms] = await stuck;
    assert.equal(response.status, 504);
    assert.ok(ms >= 250 && ms < 3000, `deadline answered after ${ms.toFixed(0)} ms`);
    await until(() => pool.stats().restarts === 1 && pool.stats().perWorker.every((w) => w.alive), "the replacement", 10_000);
    // The stuck thread is really gone, not just forgotten: an idle process burns far less than a core.
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const spentMs = ((u) => (u.user + u.system) / 1000)(process.cpuUsage(before));
    if (KNOWN_GAPS.spinningThreadOutlivesTerminate) {
      // Measured on Deno 2.9.6: the abandoned thread keeps spinning until the process exits.
      assert.ok(spentMs > 40, `Deno now stops a spinning worker (${spentMs.toFixed(0)} ms CPU): drop this known gap`);
    } else {
      assert.ok(spentMs < 250, `idle process used ${spentMs.toFixed(0)} ms CPU in 400 ms: the stuck thread still runs`);
    }
    assert.equal(await (await get(pool, "/fast")).text(), "fast");
    assert.equal(await (await get(pool, "/fast")).text(), "fast");
    assert.ok(log.some((line) => line.includes("missed the 300 ms deadline")));
  });
});

test("a worker stuck mid-body (head already sent) is found by its silence, terminated and replaced", async () => {
  await withPool({ pool: { workers: 1, taskTimeout: 300 } }, async (pool, log) => {
    const response = await get(pool, "/stuck-body");
    assert.equal(response.status, 200, "the head went out before the thread got stuck");
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve("hung"), 5000));
    const [outcome, ms] = await timed(Promise.race([response.text().then(() => "complete", () => "aborted"), hung]));
    assert.equal(outcome, "aborted", "a half-sent body must fail, not pass for complete");
    assert.ok(ms < 3000, `noticed after ${ms.toFixed(0)} ms`);
    assert.ok(log.some((line) => line.includes("stopped answering mid-response")), log.join("\n"));
    await until(() => pool.stats().restarts === 1 && pool.stats().perWorker[0]!.alive, "the replacement", 10_000);
    assert.equal(await (await get(pool, "/fast")).text(), "fast");
  });
});

test("a slow reader is not mistaken for a stuck worker: pings are answered while it waits for credit", async () => {
  await withPool({ pool: { workers: 1, taskTimeout: 150, bodyWindow: 2 } }, async (pool) => {
    const response = await get(pool, `/big?n=${4 * MiB}`);
    const reader = response.body!.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 700)); // several watchdog rounds, no credit given
    let bytes = 64 * 1024;
    for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.byteLength;
    assert.equal(bytes, 4 * MiB);
    assert.equal(pool.stats().restarts, 0);
  });
});

test("a full queue answers 503 with Retry-After at once, and queued jobs still run", async () => {
  await withPool({ pool: { workers: 1, maxQueue: 1, lookahead: 0 } }, async (pool) => {
    const running = get(pool, "/sleep?ms=300");
    await until(() => pool.stats().running === 1, "the slow job running");
    const queued = get(pool, "/fast");
    assert.equal(pool.stats().queued, 1);
    const [refused, ms] = await timed(get(pool, "/fast"));
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get("retry-after"), "Retry-After is set");
    assert.ok(ms < 100, `refusal took ${ms.toFixed(0)} ms`);
    assert.equal((await running).status, 200);
    assert.equal(await (await queued).text(), "fast");
  });
});

test("lookahead: a job waiting at a busy worker is taken back as soon as another worker is free", async () => {
  await withPool({ pool: { workers: 2, lookahead: 2 } }, async (pool, log) => {
    const long = get(pool, "/sleep?ms=900");
    await until(() => pool.stats().running === 1, "the long job running");
    const short = get(pool, "/sleep?ms=150");
    await until(() => pool.stats().running === 2, "the short job running");
    // Both workers busy: these two go ahead, one to each worker (round robin).
    const start = performance.now();
    const waiting = [get(pool, "/fast"), get(pool, "/fast")].map((p) => p.then(async (r) => [await r.text(), performance.now() - start] as const));
    assert.equal(pool.stats().queued, 0);
    assert.equal(log.filter((line) => line.endsWith("it waits behind the running one.")).length, 2);
    // The one behind the 900 ms job is taken back when the 150 ms one ends, and runs on that worker.
    for (const [text, ms] of await Promise.all(waiting)) {
      assert.equal(text, "fast");
      assert.ok(ms < 600, `a waiting job was answered after ${ms.toFixed(0)} ms`);
    }
    assert.equal((await short).status, 200);
    assert.equal((await long).status, 200);
    assert.equal(pool.stats().completed, 4);
  });
});

test("lookahead: under steady load, jobs held at a blocked worker move to the one still working", async () => {
  await withPool({ pool: { workers: 2, lookahead: 2, lookaheadStall: 5 } }, async (pool) => {
    const blocked = get(pool, "/sleep?ms=2000");
    await until(() => pool.stats().running === 1, "one worker blocked");
    // 12 clients, each sending /fast back to back for 1 s: the other worker never runs dry, so only the
    // stall rule can rescue the jobs sent ahead to the blocked one (they would wait out the whole second).
    const end = performance.now() + 1000;
    const worst: number[] = [];
    await Promise.all(Array.from({ length: 12 }, async () => {
      let max = 0;
      while (performance.now() < end) {
        const [response, ms] = await timed(get(pool, "/fast"));
        assert.equal(await response.text(), "fast");
        max = Math.max(max, ms);
      }
      worst.push(max);
    }));
    assert.ok(Math.max(...worst) < 500, `slowest /fast: ${Math.max(...worst).toFixed(0)} ms`);
    assert.equal((await blocked).status, 200);
  });
});

test("lookahead: jobs waiting at a worker that dies are run elsewhere, not failed", async () => {
  await withPool({ pool: { workers: 2, lookahead: 2 } }, async (pool) => {
    const long = get(pool, "/sleep?ms=400");
    await until(() => pool.stats().running === 1, "the long job running");
    const exit = get(pool, "/exit");
    const behind = [get(pool, "/fast"), get(pool, "/fast"), get(pool, "/fast")];
    assert.equal((await exit).status, 502);
    for (const response of await Promise.all(behind)) assert.equal(await response.text(), "fast");
    assert.equal((await long).status, 200);
    assert.equal(pool.stats().failed, 1);
  });
});

test("an 8 MiB request body and an 8 MiB streamed response cross the pool intact (SHA-256)", async () => {
  await withPool({ pool: { workers: 2 } }, async (pool) => {
    const upload = patternChunk(0, 8 * MiB);
    const expected = await sha256(upload);
    // Sent as a stream of 64 KiB chunks, so flow control has many chunks to meter.
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= upload.byteLength) return controller.close();
        controller.enqueue(upload.slice(offset, offset + 64 * 1024));
        offset += 64 * 1024;
      },
    });
    const echoed = await get(pool, "/echo-sha", { method: "POST", body, duplex: "half" } as RequestInit);
    assert.deepEqual(await echoed.json(), { bytes: 8 * MiB, sha256: expected, method: "POST" });

    const download = await get(pool, `/big?n=${8 * MiB}`);
    assert.equal(download.status, 200);
    const bytes = new Uint8Array(await download.arrayBuffer());
    assert.equal(bytes.byteLength, 8 * MiB);
    assert.equal(await sha256(bytes), expected);
  });
});

test("response bodies are pulled: a reader that stops holds the worker to a window of chunks", async () => {
  await withPool({ pool: { workers: 1, bodyWindow: 4 } }, async (pool) => {
    const response = await get(pool, `/big?n=${64 * MiB}`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(first.value?.byteLength, 64 * 1024);
    // Without back-pressure the worker would push all 64 MiB; with it, it stops after the window.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(pool.stats().running, 1, "the job is still producing, not finished");
    await reader.cancel();
    await until(() => pool.stats().running === 0, "the cancelled job to free its worker");
    assert.equal(await (await get(pool, "/fast")).text(), "fast");
  });
});

test("status, headers (each Set-Cookie), null bodies and a reused app buffer cross unchanged", async () => {
  await withPool({ pool: { workers: 1 } }, async (pool) => {
    const response = await get(pool, "/headers", { headers: { "x-test": "hello" } });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-reply"), "yes");
    assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.equal((await response.json()).got, "hello");
    const empty = await get(pool, "/no-content");
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    // The app returns the same module-level buffer each time: moving chunks must not detach it.
    for (let i = 0; i < 3; i++) assert.equal((await (await get(pool, "/cached")).arrayBuffer()).byteLength, 12_000);
  });
});

test("concurrency 2 lets one worker run two async handlers at once", async () => {
  await withPool({ pool: { workers: 1, concurrency: 2 } }, async (pool) => {
    const [both, ms] = await timed(Promise.all([get(pool, "/async-wait?ms=600"), get(pool, "/async-wait?ms=600")]));
    for (const response of both) assert.equal(await response.text(), "waited");
    assert.ok(ms < 1100, `two 600 ms async jobs on one worker took ${ms.toFixed(0)} ms (one after the other: 1200)`);
  });
});

test("stats: queued, running, completed, failed, restarts, and per-worker busy time and completed jobs", async () => {
  await withPool({ pool: { workers: 2, lookahead: 0, maxQueue: 4 } }, async (pool) => {
    const idle = pool.stats();
    assert.deepEqual(idle.perWorker.map((w) => [w.id, w.alive, w.running, w.completed]), [[1, true, 0, 0], [2, true, 0, 0]]);
    assert.ok(idle.perWorker.every((w) => w.busyMs === 0), "no job yet: no busy time");
    const slow = [get(pool, "/sleep?ms=300"), get(pool, "/sleep?ms=300")];
    const queued = get(pool, "/fast");
    await until(() => pool.stats().running === 2, "both workers busy");
    const busy = pool.stats();
    assert.equal(busy.queued, 1);
    assert.ok(busy.perWorker.every((w) => w.running === 1));
    await Promise.all([...slow, queued]);
    assert.equal((await get(pool, "/throw")).status, 500);
    const done = pool.stats();
    assert.equal(done.queued, 0);
    assert.equal(done.running, 0);
    assert.equal(done.completed, 3);
    assert.equal(done.failed, 1, "the throw");
    assert.equal(done.restarts, 0);
    assert.equal(done.perWorker.reduce((n, w) => n + w.completed, 0), 3);
    // Each worker slept 300 ms on a job: busy time counts it (and stops when the worker is idle).
    for (const worker of done.perWorker) assert.ok(worker.busyMs >= 250, `worker ${worker.id} busy ${worker.busyMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(pool.stats().perWorker.map((w) => w.busyMs), done.perWorker.map((w) => w.busyMs), "idle time is not busy time");
  });
});

test("close() finishes running and queued jobs, then tells each worker to stop and joins it", async () => {
  const log: string[] = [];
  const pool = createPool({ module: APP, pool: { workers: 2, lookahead: 0 }, onLog: (line) => log.push(line) }, spawn);
  await pool.ready;
  const jobs = [1, 2, 3].map(() => get(pool, "/sleep?ms=200"));
  await until(() => pool.stats().running === 2 && pool.stats().queued === 1, "2 running, 1 queued");
  await pool.close();
  for (const response of await Promise.all(jobs)) assert.equal(await response.text(), "slept");
  assert.deepEqual(pool.stats().perWorker.map((w) => w.alive), [false, false]);
  assert.ok(log.includes("worker 1 stopped.") && log.includes("worker 2 stopped."), log.join("\n"));
  assert.ok(log.indexOf("shutting down worker 1.") > log.lastIndexOf("worker 2 got a job; executing."));
  assert.equal((await get(pool, "/fast")).status, 503, "a closed pool takes no jobs");
});

test("close() right after start stops workers still loading the app, without waiting out drainTimeout", async () => {
  const pool = createPool({ module: APP, pool: { workers: 2, drainTimeout: 8000 } }, spawn);
  const [, ms] = await timed(pool.close());
  assert.ok(ms < 6000, `close took ${ms.toFixed(0)} ms`);
  // `ready` settles either way (workers may have said "ready" just before they read "shutdown").
  const outcome = await pool.ready.then(() => "ready", (error: Error) => error.message);
  assert.match(outcome, /^ready$|closed before its workers were ready/);
  assert.deepEqual(pool.stats().perWorker.map((w) => w.alive), [false, false]);
});

test("close() terminates a worker still busy after drainTimeout", async () => {
  const pool = createPool({ module: APP, pool: { workers: 1, taskTimeout: 0, drainTimeout: 200 } }, spawn);
  await pool.ready;
  const stuck = get(pool, "/loop");
  await until(() => pool.stats().running === 1, "the loop running");
  const [, ms] = await timed(pool.close());
  assert.ok(ms < 3000, `close took ${ms.toFixed(0)} ms`);
  assert.equal((await stuck).status, 502);
});

test("an app module that cannot be imported rejects ready, is not restarted in a loop, and fails jobs", async () => {
  const pool = createPool({ module: new URL("./fixtures/does-not-exist.ts", import.meta.url), pool: { workers: 2 } }, spawn);
  await assert.rejects(pool.ready, /cannot import app module/);
  await until(() => pool.stats().perWorker.every((w) => !w.alive), "both workers gone");
  assert.equal(pool.stats().restarts, 0);
  assert.equal((await get(pool, "/fast")).status, 502);
  await pool.close();
});

test("pool size must be >= 1", () => {
  assert.throws(() => createPool({ module: APP, pool: { workers: 0 } }, spawn), /workers must be an integer >= 1/);
});

test("workerOf: the worker behind each app response (1..N), nothing for other responses", async () => {
  await withPool({ pool: { workers: 2, lookahead: 0 } }, async (pool) => {
    const responses = await Promise.all([get(pool, "/fast"), get(pool, "/fast")]);
    for (const response of responses) await response.arrayBuffer();
    assert.deepEqual(responses.map((response) => pool.workerOf(response)).sort(), [1, 2], "two concurrent jobs, one on each worker");
    assert.equal(pool.workerOf(new Response("not from the pool")), undefined);
  });
});
