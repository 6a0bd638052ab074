// Graceful shutdown under load (issue 4): a real server process on the pool, 20 requests in flight
// when SIGTERM arrives. Every one must get its complete response, every worker must be joined, and the
// process must exit 0. The server runs on the same runtime as this test (fixtures/pool-server.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { RUNTIME } from "./fixtures/pool-spawn.ts";

const SERVER = fileURLToPath(new URL("./fixtures/pool-server.ts", import.meta.url));
const IN_FLIGHT = 20;
const WORKERS = 4;
/** Each request blocks a worker this long: 20 on 4 workers take ~5 rounds, far past the SIGTERM. */
const SLEEP_MS = 250;

const ARGS: Record<typeof RUNTIME, string[]> = {
  node: ["--import", "tsx", SERVER],
  deno: ["run", "-A", SERVER],
  bun: [SERVER],
};

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

/** The server process: output as text chunks, a way to signal it, and its exit code. */
interface Child {
  onOutput(listener: (text: string) => void): void;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
  readonly exitCode: Promise<number | null>;
}

function start(): Child {
  const decoder = new TextDecoder();
  const deno = (globalThis as { Deno?: DenoCommandApi }).Deno;
  if (deno) {
    // Deno's node:child_process reports (null, "SIGTERM") for a child it signalled even when that child
    // then exits 0 (checked on Deno 2.9), which would hide the very thing tested: use Deno.Command.
    const child = new deno.Command(deno.execPath(), { args: ARGS.deno, stdout: "piped", stderr: "inherit" }).spawn();
    const listeners: ((text: string) => void)[] = [];
    void child.stdout.pipeTo(new WritableStream({ write: (chunk) => listeners.forEach((l) => l(decoder.decode(chunk))) }));
    return {
      onOutput: (listener) => listeners.push(listener),
      kill: (signal) => child.kill(signal),
      exitCode: child.status.then((status) => (status.signal === null ? status.code : null)),
    };
  }
  const child = spawn(process.execPath, ARGS[RUNTIME], { stdio: ["ignore", "pipe", "inherit"] });
  return {
    onOutput: (listener) => child.stdout!.on("data", (chunk: Uint8Array) => listener(decoder.decode(chunk))),
    kill: (signal) => child.kill(signal),
    exitCode: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
}

/** The slice of Deno's API this test uses (this package type-checks against Node's types only). */
interface DenoCommandApi {
  execPath(): string;
  Command: new (cmd: string, options: { args: string[]; stdout: "piped"; stderr: "inherit" }) => {
    spawn(): {
      stdout: ReadableStream<Uint8Array>;
      kill(signal: string): void;
      status: Promise<{ code: number; signal: string | null }>;
    };
  };
}

test(`SIGTERM with ${IN_FLIGHT} requests in flight: all complete, every worker exits, the process exits 0`, async () => {
  const child = start();
  let out = "";
  /** Re-checked on every stdout chunk by whichever waitFor is pending. */
  let onOutput = () => {};
  let exited = false;
  child.onOutput((text) => {
    out += text;
    onOutput();
  });
  const exitCode = child.exitCode.finally(() => (exited = true));
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
    child.kill("SIGTERM");

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
});

test("a second SIGTERM stops at once, even with a worker blocked in a long job", async () => {
  const child = start();
  let out = "";
  child.onOutput((text) => (out += text));
  let exited = false;
  const exitCode = child.exitCode.finally(() => (exited = true));
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
});
