// Thread-crossing micro-benchmark (issue 6, "GET / through the pool"): what one job's round trip costs
// when it crosses by postMessage (as the pool's jobs do now) against a SharedArrayBuffer ring where the
// consumer is woken (Atomics.notify → Atomics.waitAsync) only when it sleeps, and drains without a
// wake-up while busy. A request head out, a small response back, 50 in flight. No pool, no sockets: an
// upper bound on what a ring transport could save, for deciding whether to build one.
// Run: `node --import tsx scripts/bench-ring.ts`, `npx deno run -A scripts/bench-ring.ts`,
// `npx bun scripts/bench-ring.ts` (npm run bench:ring runs the first). Bounded: JOBS per case.
import process from "node:process";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const JOBS = 200_000;
const IN_FLIGHT = 50;
const SLOTS = 256;
const SLOT_BYTES = 256;
/** Header words: [0] head (next slot to write), [1] tail (next to read), [2] 1 while the reader sleeps. */
const HEADER_BYTES = 16;

/** Single-producer single-consumer ring of fixed slots (length byte + bytes). */
class Ring {
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#bytes = new Uint8Array(buffer, HEADER_BYTES);
  }
  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_BYTES + SLOTS * SLOT_BYTES);
  }
  push(data: Uint8Array): void {
    const head = Atomics.load(this.#words, 0);
    if (head - Atomics.load(this.#words, 1) >= SLOTS) throw new Error("ring full");
    const at = (head % SLOTS) * SLOT_BYTES;
    this.#bytes[at] = data.byteLength;
    this.#bytes.set(data, at + 1);
    Atomics.store(this.#words, 0, head + 1);
    // Wake the reader only if it said it sleeps: a busy reader finds the slot on its next pop.
    if (Atomics.load(this.#words, 2) === 1) {
      Atomics.store(this.#words, 2, 0);
      Atomics.notify(this.#words, 0);
    }
  }
  pop(): Uint8Array | null {
    const tail = Atomics.load(this.#words, 1);
    if (tail === Atomics.load(this.#words, 0)) return null;
    const at = (tail % SLOTS) * SLOT_BYTES;
    const data = this.#bytes.slice(at + 1, at + 1 + this.#bytes[at]!);
    Atomics.store(this.#words, 1, tail + 1);
    return data;
  }
  /** Resolves once something was pushed after this call (or at once if something is there). */
  async sleep(): Promise<void> {
    Atomics.store(this.#words, 2, 1);
    const head = Atomics.load(this.#words, 0);
    if (head !== Atomics.load(this.#words, 1)) {
      Atomics.store(this.#words, 2, 0);
      return;
    }
    const wait = Atomics.waitAsync(this.#words, 0, head);
    if (wait.async) await wait.value;
  }
}

const JOB = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n");
const REPLY = new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 12\r\n\r\nhello world!");

interface Start {
  mode: "post" | "ring";
  toWorker: SharedArrayBuffer;
  toMain: SharedArrayBuffer;
}

async function main(): Promise<void> {
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
  console.log(`thread crossing on ${runtime}: ${JOBS.toLocaleString("en")} round trips per case, ${IN_FLIGHT} in flight`);
  for (const mode of ["post", "ring", "post", "ring"] as const) {
    const start: Start = { mode, toWorker: Ring.create(), toMain: Ring.create() };
    const worker = startWorker(runtime, start);
    await new Promise((resolve) => worker.once("message", resolve));
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let sent = 0;
    let done = 0;
    if (mode === "post") {
      await new Promise<void>((resolve) => {
        const send = () => {
          sent++;
          worker.postMessage([1, JOB.slice().buffer]);
        };
        worker.on("message", () => {
          if (++done === JOBS) resolve();
          else if (sent < JOBS) send();
        });
        for (let i = 0; i < IN_FLIGHT; i++) send();
      });
    } else {
      const out = new Ring(start.toWorker);
      const back = new Ring(start.toMain);
      // A pending waitAsync does not keep an event loop alive on every runtime: this does.
      const keepAlive = setInterval(() => {}, 1000);
      for (; sent < IN_FLIGHT; sent++) out.push(JOB);
      while (done < JOBS) {
        while (back.pop() !== null) {
          done++;
          if (sent < JOBS) {
            sent++;
            out.push(JOB);
          }
        }
        if (done < JOBS) await back.sleep();
      }
      clearInterval(keepAlive);
    }
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    console.log(`${mode.padEnd(4)}: ${Math.round((JOBS / ms) * 1000).toLocaleString("en").padStart(9)} round trips/s, process CPU ${((used.user + used.system) / JOBS).toFixed(1).padStart(5)} µs each`);
    await worker.terminate();
  }
  process.exit(0);
}

/** Node 20 will not start a worker from a .ts file (NOTES.md): there the worker side runs as evaluated
 * JavaScript made from the same functions (tsx has already compiled them). */
function startWorker(runtime: string, start: Start): Worker {
  if (runtime !== "node") return new Worker(new URL(import.meta.url), { workerData: start });
  const source = [
    `const { parentPort, workerData } = require("node:worker_threads");`,
    `const __name = (target) => target;`, // tsx (esbuild keepNames) wraps named functions with it
    `const HEADER_BYTES = ${HEADER_BYTES}, SLOTS = ${SLOTS}, SLOT_BYTES = ${SLOT_BYTES};`,
    `const REPLY = new Uint8Array([${REPLY.join(",")}]);`,
    `const Ring = ${Ring.toString()};`,
    `(${workerSide.toString()})(workerData);`,
  ].join("\n");
  return new Worker(source, { eval: true, workerData: start });
}

async function workerSide(start: Start): Promise<void> {
  setInterval(() => {}, 1000); // see keepAlive above
  parentPort!.postMessage("ready");
  if (start.mode === "post") {
    parentPort!.on("message", () => parentPort!.postMessage([2, REPLY.slice().buffer]));
    return;
  }
  const inbox = new Ring(start.toWorker);
  const outbox = new Ring(start.toMain);
  for (;;) {
    while (inbox.pop() !== null) outbox.push(REPLY);
    await inbox.sleep();
  }
}

if (isMainThread) await main();
else await workerSide(workerData as Start);
