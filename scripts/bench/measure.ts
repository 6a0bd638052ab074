// Running the scenarios: start servers, check their bytes, warm them up, then measure them interleaved
// (round 1: A B, round 2: A B, …) so drift on a shared machine hits both sides of a ratio alike. Every
// round starts its own processes, so the rounds also sample how each runtime's JIT and GC settled.
import { Agent, get } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { commandFor, type RunningServer, type RuntimeName, type ServerSpec, serverLabel, spawnWithUlimit, startServer } from "./proc.ts";
import type { Row, Sample } from "./report.ts";
import {
  BLOCK_SLEEP_MS, BLOCKED_CONNECTIONS, BLOCKED_WORKERS, type BlockedScenario, type IdleScenario, type ThroughputScenario,
} from "./scenarios.ts";
import { cpuBody, ECHO_BYTES, HTML, staticFileBytes } from "./servers/content.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export interface BenchOptions {
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  wrkThreads: number;
  idleConnections: number;
  runtimes: RuntimeName[];
  /** Environment for every server (calibrated CPU work, static folder). */
  env: NodeJS.ProcessEnv;
  cpuIterations: number;
}

/** Connections the idle client opens at once. */
const IDLE_BATCH = 250;
/** Pause after a load run or before reading RSS, so sockets close and the heap settles. */
const SETTLE_MS = 500;
const IDLE_SETTLE_MS = 1_000;
/** RSS readings per measurement, and the gap between them. */
const RSS_READINGS = 3;
const RSS_READING_GAP_MS = 250;
/** How long the idle client may take to open everything, and to go away. */
const IDLE_READY_TIMEOUT_MS = 120_000;
/** Lead time for the blockers' /sleep requests to reach their workers before wrk starts. */
const BLOCKERS_LEAD_MS = 300;

const log = (line: string) => console.log(`  ${line}`);

// ---------------------------------------------------------------------------------------------------
// Checking that a server answers the same bytes as every other one

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Problems with what `server` answers on `path` (empty when it is right). */
export async function checkRoute(server: RunningServer, path: string, cpuIterations: number): Promise<string[]> {
  const problems: string[] = [];
  const expect = async (what: string, response: Promise<Response>, body: Uint8Array | string) => {
    try {
      const res = await response;
      const got = new Uint8Array(await res.arrayBuffer());
      const want = typeof body === "string" ? new TextEncoder().encode(body) : body;
      if (res.status !== 200) problems.push(`${what}: status ${res.status}`);
      else if (!bytesEqual(got, want)) problems.push(`${what}: body differs (${got.length} bytes, expected ${want.length})`);
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  const url = server.origin + path;
  if (path === "/") await expect("GET /", fetch(url), HTML);
  else if (path === "/echo") {
    const body = new Uint8Array(ECHO_BYTES).fill(0x77);
    await expect("POST /echo", fetch(url, { method: "POST", body }), body);
  } else if (path === "/static.bin") await expect("GET /static.bin", fetch(url), staticFileBytes());
  else if (path === "/cpu") await expect("GET /cpu", fetch(url), cpuBody(cpuIterations));
  else if (path.startsWith("/sleep")) await expect("GET /sleep", fetch(url), "slept\n");
  return problems.map((p) => `${server.label}: ${p}`);
}

/** Start a server and check its routes; on failure record why and return null. */
async function startChecked(spec: ServerSpec, paths: string[], opts: BenchOptions, row: Row): Promise<RunningServer | null> {
  let server: RunningServer;
  try {
    server = await startServer(spec, opts.env);
  } catch (error) {
    // The error holds the server's stderr: keep its first line and the line naming the error.
    const [first, ...rest] = (error as Error).message.split("\n").map((l) => l.trim()).filter(Boolean);
    const cause = rest.find((l) => /error/i.test(l)) ?? rest.at(-1);
    row.problems.push(`${first}${cause ? ` … ${cause}` : ""}`);
    log(`! ${row.problems.at(-1)}`);
    return null;
  }
  const problems = (await Promise.all([...new Set(paths)].map((p) => checkRoute(server, p, opts.cpuIterations)))).flat();
  if (problems.length > 0) {
    row.problems.push(...problems);
    log(`! ${problems.join("; ")}`);
    await server.stop();
    return null;
  }
  return server;
}

/** One wrk run with the server's CPU time around it. */
async function load(server: RunningServer, url: string, options: Parameters<typeof runWrk>[1]): Promise<{ wrk: WrkResult; cpuUsPerReq: number }> {
  const cpu0 = server.cpuSeconds();
  const wrk = await runWrk(url, options);
  const cpu1 = server.cpuSeconds();
  await sleep(SETTLE_MS);
  return { wrk, cpuUsPerReq: wrk.requests > 0 ? ((cpu1 - cpu0) * 1e6) / wrk.requests : NaN };
}

/** Run one measurement; if it throws (wrk failed, the server died), record why and go on. */
async function attempt<T>(row: Row, server: RunningServer, measure: () => Promise<T>): Promise<T | null> {
  try {
    return await measure();
  } catch (error) {
    const why = `${server.label}: ${(error as Error).message.split("\n")[0]}`;
    row.problems.push(why);
    log(`! ${why}`);
    return null;
  }
}

function newRow(id: string, title: string, runtime: RuntimeName, unit: Row["unit"], weftLabel: string, baselineLabel: string): Row {
  return { scenario: id, title, runtime, unit, weftLabel, baselineLabel, samples: [], problems: [] };
}

// ---------------------------------------------------------------------------------------------------
// Throughput: req/s of weft's variant vs its baseline, per runtime

export async function runThroughput(sc: ThroughputScenario, opts: BenchOptions): Promise<Row[]> {
  const roles = [["weft", sc.weft], ["baseline", sc.baseline]] as const;
  const rows = opts.runtimes.map((runtime) =>
    newRow(sc.id, sc.title, runtime, "req/s", serverLabel({ runtime, kind: sc.weft }), serverLabel({ runtime, kind: sc.baseline })));
  const wrkOptions = { connections: opts.connections, threads: opts.wrkThreads, pipeline: sc.pipeline, method: sc.method, body: sc.body };
  for (let round = 1; round <= opts.rounds; round++) {
    // Fresh processes each round, each warmed up: a process keeps what its JIT and GC decided early on
    // (which allocation sites are pretenured, what got inlined), and that differs from one start to the
    // next. One process per server for every round would let one start's luck decide all the rounds.
    const entries: { row: Row; role: Sample["role"]; server: RunningServer }[] = [];
    try {
      for (const row of rows) {
        for (const [role, kind] of roles) {
          const server = await startChecked({ runtime: row.runtime, kind }, ["/", sc.path], opts, row);
          if (server) entries.push({ row, role, server });
        }
      }
      for (const { row, server } of entries) {
        log(`round ${round} warm-up ${server.label} ${opts.warmupS}s`);
        await attempt(row, server, () => load(server, server.origin + sc.path, { ...wrkOptions, durationS: opts.warmupS }));
      }
      for (const { row, role, server } of entries) {
        const measured = await attempt(row, server, () => load(server, server.origin + sc.path, { ...wrkOptions, durationS: opts.durationS }));
        if (!measured) continue;
        const { wrk, cpuUsPerReq } = measured;
        const errorKinds = wrk.errorCount ? { ...wrk.errors } : undefined;
        row.samples.push({
          round, role, server: server.label, value: wrk.rps, rps: wrk.rps, cpuUsPerReq, p99Ms: wrk.latencyUs.p99 / 1000,
          wrkCores: wrk.wrkCores / opts.wrkThreads, errors: wrk.errorCount, errorKinds,
          bytesPerResponse: wrk.requests > 0 ? wrk.bytes / wrk.requests : undefined,
        });
        log(`round ${round} ${server.label}: ${Math.round(wrk.rps)} req/s, p99 ${(wrk.latencyUs.p99 / 1000).toFixed(2)} ms, ${cpuUsPerReq.toFixed(1)} µs CPU/req, wrk ${wrk.wrkCores.toFixed(2)} cores${wrk.errorCount ? `, errors ${JSON.stringify(wrk.errors)}` : ""}`);
      }
    } finally {
      await Promise.all(entries.map((e) => e.server.stop()));
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// Idle connections: KiB of server RSS per idle keep-alive connection

const IDLE_CLIENT = fileURLToPath(new URL("./idle-client.ts", import.meta.url));

/** Hold `count` idle connections to `port`; `measure` runs while they are held. */
async function withIdleConnections<T>(port: number, count: number, measure: () => Promise<T>): Promise<{ value: T; open: number; failed: number; closedEarly: number }> {
  const child = spawnWithUlimit(commandFor("node", IDLE_CLIENT, [String(port), String(count), String(IDLE_BATCH)]), process.env);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    const started = Date.now();
    for (;;) {
      const match = pattern.exec(out);
      if (match) return match;
      if (child.exitCode !== null || Date.now() - started > IDLE_READY_TIMEOUT_MS) {
        child.kill("SIGKILL");
        throw new Error(`idle client failed: ${err.trim().slice(-500)}`);
      }
      await sleep(50);
    }
  };
  try {
    const ready = await waitFor(/IDLE_READY (\d+) (\d+)/);
    const value = await measure();
    child.stdin!.write("close\n");
    const done = await waitFor(/IDLE_DONE (\d+)/);
    await exited;
    return { value, open: Number(ready[1]), failed: Number(ready[2]), closedEarly: Number(done[1]) };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** Median of a few RSS readings, so one reading taken mid-GC does not decide the cell. */
async function steadyRss(server: RunningServer): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < RSS_READINGS; i++) {
    if (i > 0) await sleep(RSS_READING_GAP_MS);
    readings.push(server.rssKiB());
  }
  return readings.sort((a, b) => a - b)[readings.length >> 1]!;
}

export async function runIdle(sc: IdleScenario, opts: BenchOptions): Promise<Row[]> {
  const rows = opts.runtimes.map((runtime) =>
    newRow(sc.id, sc.title, runtime, "KiB/conn", serverLabel({ runtime, kind: sc.weft }), serverLabel({ runtime, kind: sc.baseline })));
  for (let round = 1; round <= opts.rounds; round++) {
    for (const row of rows) {
      for (const [role, kind] of [["weft", sc.weft], ["baseline", sc.baseline]] as const) {
        // A fresh process each round: memory a previous round freed but kept would hide the cost.
        const server = await startChecked({ runtime: row.runtime, kind }, ["/"], opts, row);
        if (!server) continue;
        try {
          await load(server, server.origin + "/", { connections: opts.connections, threads: opts.wrkThreads, durationS: opts.warmupS });
          await sleep(IDLE_SETTLE_MS);
          const before = await steadyRss(server);
          const held = await withIdleConnections(server.port, opts.idleConnections, async () => {
            await sleep(IDLE_SETTLE_MS);
            return steadyRss(server);
          });
          const perConnection = held.open > 0 ? (held.value - before) / held.open : NaN;
          const errors = held.failed + held.closedEarly;
          row.samples.push({ round, role, server: server.label, value: perConnection, errors });
          log(`round ${round} ${server.label}: ${held.open} idle connections, RSS ${before} → ${held.value} KiB = ${perConnection.toFixed(2)} KiB/conn${errors ? ` (${held.failed} failed, ${held.closedEarly} closed by server)` : ""}`);
        } catch (error) {
          row.problems.push(`${server.label}: ${(error as Error).message}`);
          log(`! ${row.problems.at(-1)}`);
        } finally {
          await server.stop();
        }
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// p99 of GET / on a 4-worker pool: BLOCKED_WORKERS workers stuck in /sleep vs all free

/** Keep `count` requests to /sleep in flight (each blocks one pool worker) until stopped. */
function startBlockers(origin: string, count: number, ms: number): { stop(): Promise<number> } {
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  let stopped = false;
  let completed = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = get(`${origin}/sleep?ms=${ms}`, { agent }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) completed++;
          resolve();
        });
        res.on("error", () => resolve());
      });
      req.setTimeout(ms + 10_000, () => req.destroy());
      req.on("error", () => setTimeout(resolve, 50));
    });
  const loops = Array.from({ length: count }, async () => {
    while (!stopped) await once();
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
      return completed;
    },
  };
}

export async function runBlocked(sc: BlockedScenario, opts: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const entries: { row: Row; server: RunningServer }[] = [];
  const wrkOptions = { connections: BLOCKED_CONNECTIONS, threads: opts.wrkThreads };
  try {
    for (const runtime of opts.runtimes) {
      const label = serverLabel({ runtime, kind: sc.server });
      const row = newRow(sc.id, sc.title, runtime, "p99 ms", `${label}, ${BLOCKED_WORKERS} blocked`, `${label}, all free`);
      rows.push(row);
      const server = await startChecked({ runtime, kind: sc.server }, ["/", "/sleep?ms=1"], opts, row);
      if (server) entries.push({ row, server });
    }
    for (const { row, server } of entries) {
      log(`warm-up ${server.label} ${opts.warmupS}s`);
      await attempt(row, server, () => load(server, server.origin + "/", { ...wrkOptions, durationS: opts.warmupS }));
    }
    for (let round = 1; round <= opts.rounds; round++) {
      for (const { row, server } of entries) {
        const free = await attempt(row, server, () => load(server, server.origin + "/", { ...wrkOptions, durationS: opts.durationS }));
        if (!free) continue;
        const blockers = startBlockers(server.origin, BLOCKED_WORKERS, BLOCK_SLEEP_MS);
        await sleep(BLOCKERS_LEAD_MS);
        const blocked = await attempt(row, server, () => load(server, server.origin + "/", { ...wrkOptions, durationS: opts.durationS }));
        const sleeps = await blockers.stop();
        if (!blocked) continue;
        for (const [role, m] of [["baseline", free], ["weft", blocked]] as const) {
          const p99Ms = m.wrk.latencyUs.p99 / 1000;
          row.samples.push({ round, role, server: server.label, value: p99Ms, p99Ms, rps: m.wrk.rps, cpuUsPerReq: m.cpuUsPerReq, errors: m.wrk.errorCount });
        }
        log(`round ${round} ${server.label}: p99 free ${(free.wrk.latencyUs.p99 / 1000).toFixed(2)} ms (${Math.round(free.wrk.rps)} req/s), ${BLOCKED_WORKERS} blocked ${(blocked.wrk.latencyUs.p99 / 1000).toFixed(2)} ms (${Math.round(blocked.wrk.rps)} req/s; ${sleeps} /sleep requests of ${BLOCK_SLEEP_MS} ms done meanwhile)`);
      }
    }
  } finally {
    await Promise.all(entries.map((e) => e.server.stop()));
  }
  return rows;
}
