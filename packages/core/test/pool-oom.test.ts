// A worker that runs out of memory (issue 4: "a worker that dies (exit, fatal error, out of memory) →
// only the request it was running fails"). A real server process on the pool (fixtures/pool-server.ts)
// started with a small V8 heap limit, so /oom reaches it in well under a second; the runtime applies the
// same limit to each worker thread's heap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startPoolServer, type Child } from "./fixtures/pool-child.ts";
import { RUNTIME } from "./fixtures/pool-spawn.ts";

/** Heap limit for the server process and its workers, in MiB: room for the server, little for /oom. */
const HEAP_LIMIT_MB = 128;
const START_TIMEOUT_MS = 20_000;
/** The jobs that must survive their neighbour's death block their workers this long. */
const SLEEP_MS = 600;

/** What a runtime cannot do yet, by name (checked both ways where it can be run: a fixed gap fails). */
const KNOWN_GAPS = {
  // Deno 2.9: a worker thread reaching the heap limit is a fatal V8 error for the whole process
  // ("Fatal JavaScript out of memory", SIGTRAP), whatever the pool does. Measured on 2.9.6.
  workerOomKillsProcess: RUNTIME === "deno",
  // Bun 1.4: JavaScriptCore has no heap limit per worker (Web Workers take no resourceLimits; `smol`
  // only changes GC heuristics), so a runaway worker grows until the kernel's OOM killer ends the whole
  // process (measured: 15 GiB RSS after 40 s and still growing). Not run: it would exhaust the machine.
  workerHeapUnbounded: RUNTIME === "bun",
};

const HEAP_FLAGS = {
  node: [`--max-old-space-size=${HEAP_LIMIT_MB}`],
  deno: [`--v8-flags=--max-old-space-size=${HEAP_LIMIT_MB}`],
};

/** One request on its own connection; resolves with everything the server sent until it closed. */
function get(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("close", () => resolve(data));
    socket.on("error", () => {}); // a dead server resets the connection: `close` follows with what came
  });
}

/** Collects the child's stdout and waits for lines in it. */
function watch(child: Child) {
  let out = "";
  child.onOutput((text) => (out += text));
  return {
    output: () => out,
    async waitFor(pattern: RegExp, what: string): Promise<RegExpMatchArray> {
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const match = out.match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${what} in: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

test("a worker out of memory: only its request fails (502), the others complete, it is replaced", {
  skip: KNOWN_GAPS.workerHeapUnbounded && "Bun has no per-worker heap limit: a runaway worker would exhaust the machine",
}, async () => {
  const child = startPoolServer(HEAP_FLAGS);
  const out = watch(child);
  let exited = false;
  const exit = child.exited.finally(() => (exited = true));
  try {
    const port = Number((await out.waitFor(/listening (\d+)/, "listening line"))[1]);
    const others = [get(port, `/sleep?ms=${SLEEP_MS}`), get(port, `/sleep?ms=${SLEEP_MS}`)];
    await out.waitFor(/load 2 0\n/, "both slow jobs running");
    const oom = await get(port, "/oom");

    if (KNOWN_GAPS.workerOomKillsProcess) {
      const ended = await exit;
      assert.ok(ended.signal !== null || ended.code !== 0, "Deno now survives a worker out of memory: drop this known gap");
      assert.equal(oom, "", "the process died before it could answer");
      return;
    }
    assert.match(oom, /^HTTP\/1\.1 502 /, oom.slice(0, 80));
    assert.match(out.output(), /pool: worker \d failed: .*memory/i, "it died of the heap limit, not of something else");
    for (const raw of await Promise.all(others)) assert.match(raw, /^HTTP\/1\.1 200 [\s\S]*slept$/, raw.slice(0, 80));
    await out.waitFor(/pool: worker \d exited \(code \d+\); replacing it\./, "the replacement");
    // Four blocking jobs at once finish together only if four threads run them: the pool is full again.
    const started = performance.now();
    const all = await Promise.all([1, 2, 3, 4].map(() => get(port, "/sleep?ms=300")));
    for (const raw of all) assert.match(raw, /^HTTP\/1\.1 200 /);
    const ms = performance.now() - started;
    assert.ok(ms < 900, `4 parallel 300 ms jobs took ${ms.toFixed(0)} ms`);
    child.kill("SIGTERM");
    assert.deepEqual(await exit, { code: 0, signal: null });
  } finally {
    if (!exited) child.kill("SIGKILL");
  }
});
