// Worker-pool micro-benchmark (issue 4, issue 6): jobs per second and process CPU per job through
// core's pool alone — no sockets, no parser — with the benchmark app's `GET /` (a 190-byte page) on 2
// workers, for 1 job in flight (each job waits for the previous: the thread round trip) and for 50 (as
// wrk's 50 connections do). What it shows: the cost of crossing threads twice per job, against which a
// trivial handler run inline (`npm run bench:connection`) costs a few µs.
// Run: `node --import tsx scripts/bench-pool.ts`, `npx deno run -A scripts/bench-pool.ts`,
// `npx bun scripts/bench-pool.ts`; `--lookahead=N` overrides pool.lookahead, `--idle-hold=MS` pool.idleHold; `--isolation=process` runs
// the workers as child processes (their CPU is then not in "process CPU", which is this process's only).
// Bounded: a fixed number of jobs per case; prints and exits.
import { readFileSync } from "node:fs";
import process from "node:process";
import { createPool } from "../packages/core/src/pool/pool.ts";
import type { SpawnWorker } from "../packages/core/src/ports.ts";
import { buildRequest } from "../packages/core/src/request.ts";
import { Fields } from "../packages/core/src/fields.ts";
import { installWeftResponse } from "../packages/core/src/weft-response.ts";

const JOBS = 40_000;
const WORKERS = 2;
const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";
// A computed specifier, so that typechecking with one runtime's types does not pull in the others.
const adapter: string = `../packages/${runtime}/src/worker.ts`;
const { spawnWorker } = (await import(adapter)) as { spawnWorker: SpawnWorker };

installWeftResponse(); // as serve() does: the pool answers with Responses built on this thread
const lookaheadArg = process.argv.find((a) => a.startsWith("--lookahead="));
const lookahead = lookaheadArg === undefined ? undefined : Number(lookaheadArg.slice("--lookahead=".length));
const isolation = process.argv.includes("--isolation=process") ? "process" : "thread";
const idleHoldArg = process.argv.find((a) => a.startsWith("--idle-hold="));
const idleHold = idleHoldArg === undefined ? undefined : Number(idleHoldArg.slice("--idle-hold=".length));
const pool = createPool({
  module: new URL("./bench/servers/app.ts", import.meta.url).href,
  pool: {
    workers: WORKERS,
    isolation,
    ...(lookahead === undefined ? {} : { lookahead }),
    ...(idleHold === undefined ? {} : { idleHold }),
  },
}, spawnWorker);
await pool.ready;
const head = { method: "GET", target: "/", targetForm: "origin" as const, fields: new Fields([["Host", "127.0.0.1:8080"], ["User-Agent", "wrk"]]) };
const info = { remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 40000 } };

/** CPU time of the calling thread in ns (Linux: /proc/thread-self/schedstat), or null elsewhere. Main
 * is the pool's bottleneck under load (BENCHMARKS.md), so its share is printed apart. */
function threadCpuNs(): number | null {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
  } catch {
    return null;
  }
}

async function bench(inFlight: number): Promise<void> {
  let done = 0;
  let sent = 0;
  const mainCpu = threadCpuNs();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const one = (): void => {
      sent++;
      pool.fetch(buildRequest(head, null, ""), info).then(async (response) => {
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        await response.arrayBuffer();
        if (++done === JOBS) resolve();
        else if (sent < JOBS) one();
      }).catch(reject);
    };
    for (let i = 0; i < inFlight; i++) one();
  });
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const mainNow = threadCpuNs();
  const main = mainCpu === null || mainNow === null ? "" : `, main thread ${((mainNow - mainCpu) / 1000 / JOBS).toFixed(1).padStart(5)} µs/job`;
  console.log(`${String(inFlight).padStart(2)} in flight: ${Math.round((JOBS / ms) * 1000).toLocaleString("en").padStart(7)} jobs/s, process CPU ${((used.user + used.system) / JOBS).toFixed(1).padStart(6)} µs/job${main}`);
}

console.log(`weft pool on ${runtime}: ${WORKERS} ${isolation} workers, lookahead ${isolation === "process" ? "off" : lookahead ?? "default"}, ${JOBS.toLocaleString("en")} jobs of GET / per case`);
await bench(1);
await bench(50);
await pool.close();
process.exit(0);
