// Graceful shutdown under load (issue 4): a real server process on the pool, 20 requests in flight
// when SIGTERM arrives. Every one must get its complete response, every worker must be joined, and the
// process must exit 0. The server runs on the same runtime as this test (fixtures/pool-server.ts), with
// thread workers and with process workers; for these also as Ctrl-C does it: SIGINT to the whole
// process group, workers included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startPoolServer } from "./fixtures/pool-child.ts";

const IN_FLIGHT = 20;
const WORKERS = 4;
/** Each request blocks a worker this long: 20 on 4 workers take ~5 rounds, far past the SIGTERM. */
const SLEEP_MS = 250;

/** One request on its own connection; resolves with everything the server sent until it closed. */
function request(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`GET /sleep?ms=${SLEEP_MS} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("close", () => resolve(data));
    socket.on("error", (error) => reject(new Error(`request failed (${error.message}) after receiving ${JSON.stringify(data.slice(0, 200))}`)));
  });
}

/** The server's exit code; null when a signal killed it. */
const exitCodeOf = (child: ReturnType<typeof startPoolServer>) => child.exited.then((exit) => exit.code);

type Isolation = "thread" | "process";
/** Who gets the signal: the server process, or (Ctrl-C in a terminal) its whole process group. */
type Stop = { signal: "SIGTERM" | "SIGINT"; group: boolean };

const CASES: [Isolation, Stop][] = [
  ["thread", { signal: "SIGTERM", group: false }],
  ["process", { signal: "SIGTERM", group: false }],
  ["process", { signal: "SIGINT", group: true }],
];

for (const [isolation, stop] of CASES) {
  const who = stop.group ? `${stop.signal} to the process group` : stop.signal;
  test(`${who} with ${IN_FLIGHT} requests in flight on ${isolation} workers: all complete, every worker exits, the process exits 0`, () =>
    shutdownUnderLoad(isolation, stop));
}

async function shutdownUnderLoad(isolation: Isolation, stop: Stop): Promise<void> {
  const child = startPoolServer({}, { pool: { isolation }, ownGroup: stop.group });
  let out = "";
  /** Re-checked on every stdout chunk by whichever waitFor is pending. */
  let onOutput = () => {};
  let exited = false;
  child.onOutput((text) => {
    out += text;
    onOutput();
  });
  const exitCode = exitCodeOf(child).finally(() => (exited = true));
  const waitFor = (pattern: RegExp, what: string, accept: (match: RegExpMatchArray) => boolean = () => true) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} in: ${out}`)), 20_000);
      onOutput = () => {
        const match = [...out.matchAll(new RegExp(pattern, "g"))].find(accept);
        if (!match) return;
        clearTimeout(timer);
        onOutput = () => {};
        resolve(match);
      };
      onOutput();
    });
  try {
    const port = Number((await waitFor(/listening (\d+)/, "listening line"))[1]);
    const responses = Array.from({ length: IN_FLIGHT }, () => request(port));
    // Every worker busy and the other requests read and queued: now they are all in flight.
    // (Running counts jobs held ahead at busy workers too: pool.lookahead.)
    const inFlight = (m: RegExpMatchArray) => Number(m[1]) >= WORKERS && Number(m[1]) + Number(m[2]) === IN_FLIGHT;
    await waitFor(/load (\d+) (\d+)\n/, "all requests in flight", inFlight);
    if (stop.group) child.killGroup(stop.signal);
    else child.kill("SIGTERM");

    const all = await Promise.all(responses);
    for (const [i, raw] of all.entries()) {
      assert.match(raw, /^HTTP\/1\.1 200 /, `response ${i}: ${raw.slice(0, 80)}`);
      // Pool bodies arrive as streams, so the server may frame them chunked (RFC 9112 §7.1).
      const complete = raw.endsWith("\r\n\r\nslept") || raw.endsWith("\r\n\r\n5\r\nslept\r\n0\r\n\r\n");
      assert.ok(complete, `response ${i} is complete: ${JSON.stringify(raw.slice(-40))}`);
    }
    assert.equal(await exitCode, 0);
    for (let id = 1; id <= WORKERS; id++) assert.ok(out.includes(`pool: worker ${id} stopped.`), `worker ${id} joined:\n${out}`);
    // Every request was handed to a worker (a job taken back from a busy worker is handed out twice).
    assert.ok((out.match(/got a job/g)?.length ?? 0) >= IN_FLIGHT, out);
    assert.ok(out.includes("finished"));
  } finally {
    if (!exited) child.kill("SIGKILL");
  }
}

for (const isolation of ["thread", "process"] as const) {
  test(`a second SIGTERM stops at once, even with a ${isolation} worker blocked in a long job`, () => secondSignal(isolation));
}

async function secondSignal(isolation: Isolation): Promise<void> {
  const child = startPoolServer({}, { pool: { isolation } });
  let out = "";
  child.onOutput((text) => (out += text));
  let exited = false;
  const exitCode = exitCodeOf(child).finally(() => (exited = true));
  try {
    const deadline = Date.now() + 20_000;
    while (!/listening (\d+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const port = Number(out.match(/listening (\d+)/)?.[1]);
    assert.ok(port > 0, `no listening line in: ${out}`);
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {}); // the forced stop resets it
    socket.write("GET /sleep?ms=5000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    while (!/load 1 0\n/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGTERM");
    assert.equal(await exitCode, 0);
    const ms = performance.now() - t0;
    assert.ok(ms < 2500, `stopped ${ms.toFixed(0)} ms after the signals (the blocked job had 5 s left)`);
    socket.destroy();
  } finally {
    if (!exited) child.kill("SIGKILL");
  }
}
