// Issue 5: a 1 GiB file (sparse) streams from disk with bounded memory, for a fast reader (three times:
// the later downloads show memory does not grow with bytes served) and for a reader that stops reading.
// The server runs in a child process on the same runtime, so its RSS is its own; it reports RSS at
// /__rss over a second connection while the download runs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { open, mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimeArgs, RUNTIME } from "./fixtures/runtime.ts";

const GIB = 1024 ** 3;
/** Allowed RSS growth while a reader has stopped reading (the server must stop pulling from disk). */
const MAX_GROWTH_BYTES = 32 * 1024 ** 2;
/** Allowed RSS growth from a cold server over a 1 GiB download. Not a few MiB: every 64 KiB read is a
 * fresh ArrayBuffer (a consumer may keep its chunks), and V8 (Node, Deno) collects those only after
 * ~64 MiB of them, so RSS climbs to a garbage-collector plateau (measured +40 MiB on Node, +40–80 MiB on
 * Deno over repeated downloads) whatever the file size. An eighth of what buffering the file would cost. */
const MAX_PLATEAU_BYTES = 128 * 1024 ** 2;
/** Allowed RSS growth over a later 1 GiB download, once the collector's plateau is reached: the issue's
 * "a few MiB". Memory that grew with the bytes served (a leak of 1.5% of them) would show here; measured
 * +0–5 MiB on Node, Deno and Bun. */
const MAX_SECOND_DOWNLOAD_GROWTH_BYTES = 16 * 1024 ** 2;
const RSS_POLL_MS = 50;
const SLOW_READER_PAUSE_MS = 1_500;
const START_TIMEOUT_MS = 20_000;

let dir = "";
let child: ChildProcess | undefined;
let port = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-large-"));
  // A sparse file: truncate extends it without writing blocks (reads return zeros).
  const handle = await open(join(dir, "big.bin"), "w");
  await handle.truncate(GIB);
  await handle.close();
  const [cmd, args] = runtimeArgs(fileURLToPath(new URL("./fixtures/static-server.ts", import.meta.url).href));
  child = spawn(cmd, [...args, dir], { stdio: ["ignore", "pipe", "inherit"] });
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("static server child did not start")), START_TIMEOUT_MS);
    let out = "";
    child!.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PORT (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child!.on("exit", (code) => reject(new Error(`static server child exited early (${code})`)));
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

const rss = async (): Promise<number> => Number(await (await fetch(`http://127.0.0.1:${port}/__rss`)).text());

/** Poll the server's RSS until `stop` resolves; return the highest value seen. */
async function peakRssDuring(work: Promise<unknown>): Promise<number> {
  let done = false;
  let peak = 0;
  void work.finally(() => (done = true)).catch(() => {});
  while (!done) {
    peak = Math.max(peak, await rss());
    await new Promise((resolve) => setTimeout(resolve, RSS_POLL_MS));
  }
  await work;
  return Math.max(peak, await rss());
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** Download `target` over a raw socket, counting bytes without keeping them (a fetch client costs the
 * test process more CPU than the server under test). Resolves the head and the body length. */
function download(target: string, extraHeaders = ""): Promise<{ head: string; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let head = "";
    let headDone = false;
    let bodyBytes = 0;
    socket.on("connect", () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n${extraHeaders}Connection: close\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => {
      if (headDone) {
        bodyBytes += chunk.length;
        return;
      }
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) {
        headDone = true;
        bodyBytes = head.length - end - 4;
        head = head.slice(0, end);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ head, bodyBytes }));
  });
}

test("a 1 GiB file downloads completely with bounded server memory, and later ones add a few MiB at most", async () => {
  const cold = await rss();
  const peaks: number[] = [];
  for (const round of [1, 2, 3]) {
    let result: { head: string; bodyBytes: number } | undefined;
    const started = performance.now();
    peaks.push(await peakRssDuring(download("/big.bin").then((r) => (result = r))));
    const seconds = (performance.now() - started) / 1000;
    console.log(`[${RUNTIME}] 1 GiB #${round} in ${seconds.toFixed(1)} s; server RSS cold ${mib(cold)}, peak ${mib(peaks.at(-1)!)}`);
    assert.match(result!.head, /^HTTP\/1\.1 200 /);
    assert.match(result!.head, /\r\ncontent-length: 1073741824(\r\n|$)/i);
    assert.equal(result!.bodyBytes, GIB);
  }
  const [first, second, third] = peaks as [number, number, number];
  assert.ok(first - cold < MAX_PLATEAU_BYTES, `server RSS grew ${mib(first - cold)} serving 1 GiB`);
  // Memory that grows with the bytes served raises every later peak (the third by twice as much); one
  // collection that ran late raises one. So the smaller of the two later growths is what is judged (Bun
  // once peaked 16.2 MiB above the first download on the second and not again).
  const growth = Math.min(second, third) - first;
  assert.ok(growth < MAX_SECOND_DOWNLOAD_GROWTH_BYTES, `1 GiB more grew server RSS by ${mib(second - first)} and then ${mib(third - first)}`);
});

test("a reader that stops reading does not make the server read ahead", async () => {
  const baseline = await rss();
  const socket = connect({ host: "127.0.0.1", port });
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      resolve();
    });
  });
  // Take the first bytes, then stop reading: the socket buffers fill and the server must stop pulling.
  await new Promise<void>((resolve) => {
    socket.once("data", (chunk: Buffer) => {
      received += chunk.length;
      socket.pause();
      resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, SLOW_READER_PAUSE_MS));
  const during = await rss();
  socket.destroy();
  console.log(`[${RUNTIME}] stalled reader: server RSS ${mib(baseline)} → ${mib(during)} (growth ${mib(during - baseline)})`);
  assert.ok(received > 0);
  assert.ok(during - baseline < MAX_GROWTH_BYTES, `server RSS grew ${mib(during - baseline)} for a reader that stopped`);
});
