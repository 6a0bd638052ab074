// `npm run bench`: weft against each runtime's native server, scenario by scenario (issue 6).
//
// Life of a run: check wrk → calibrate ~2 ms of CPU work → write the 64 KiB static file → for each
// scenario: start its servers (child processes, one per runtime and variant), check they answer the
// same bytes, warm them up, measure them interleaved for N rounds → print the Markdown table, write it
// with a JSON file under results/, print the summary. Method and scenarios: BENCHMARKS.md.
//
// Flags: see USAGE below (`npm run bench -- --help`).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchOptions, runBlocked, runIdle, runThroughput } from "./measure.ts";
import { RUNTIMES, type RuntimeName } from "./proc.ts";
import { markdownTable, type Row, summarize, summaryText } from "./report.ts";
import { SCENARIOS } from "./scenarios.ts";
import { cpuWork, STATIC_NAME, staticFileBytes } from "./servers/content.ts";
import { ensureWrk } from "./wrk.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS_DIR = join(REPO_ROOT, "results");

/** Defaults of a full run, and of `--quick` (for checking the harness, not for numbers). */
const FULL = { rounds: 3, durationS: 5, warmupS: 2, idleConnections: 5_000 };
const QUICK = { rounds: 1, durationS: 2, warmupS: 1, idleConnections: 1_000 };
const DEFAULT_CONNECTIONS = 50;
/** One wrk thread: the servers under test are mostly single-threaded and the machine has 2 cores. */
const DEFAULT_WRK_THREADS = 1;
/** Hypervisor steal above which the run is flagged as noisy. */
const STEAL_WARN_PERCENT = 2;
/** Target duration of one GET /cpu, in ms (issue 6: "about 2 ms of deterministic work"). */
const CPU_TARGET_MS = 2;

const USAGE = `npm run bench -- [flags]        (method and scenarios: BENCHMARKS.md)
  --quick              1 round of 2 s, 1 s warm-up, 1,000 idle connections (checks the harness)
  --only=a,b           scenarios: ${SCENARIOS.map((s) => s.id).join(", ")}
  --runtimes=a,b       node, deno, bun (default: all)
  --rounds=N           measured rounds (default ${FULL.rounds})
  --duration=S         seconds per measured cell (default ${FULL.durationS})
  --warmup=S           seconds of warm-up per server (default ${FULL.warmupS})
  --connections=N      wrk connections (default ${DEFAULT_CONNECTIONS})
  --idle=N             idle connections (default ${FULL.idleConnections})
  --wrk-threads=N      wrk threads (default ${DEFAULT_WRK_THREADS})
  --cpu-iters=N        iterations of the /cpu work (default: calibrated to ~${CPU_TARGET_MS} ms)
  --profile=RUNTIME    profile a server under load instead (profile.ts: --scenario, --server, --duration, --top)`;
const KNOWN_FLAGS = new Set(["quick", "only", "runtimes", "rounds", "duration", "warmup", "connections", "idle", "wrk-threads", "cpu-iters", "help"]);
const PROFILE_FLAGS = new Set(["profile", "scenario", "server", "duration", "top"]);

function parseArgs(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`bench: unknown argument ${arg}\n${USAGE}`);
    flags.set(match[1]!, match[2] ?? "true");
  }
  // A mistyped flag must not silently start a 20-minute run with defaults.
  const known = flags.has("profile") ? PROFILE_FLAGS : KNOWN_FLAGS;
  for (const [name, value] of flags) {
    if (!known.has(name)) throw new Error(`bench: unknown flag --${name}\n${USAGE}`);
    const numeric = ["rounds", "duration", "warmup", "connections", "idle", "wrk-threads", "cpu-iters", "top"];
    if (numeric.includes(name) && !(Number.isInteger(Number(value)) && Number(value) > 0)) {
      throw new Error(`bench: --${name} needs a positive whole number`);
    }
  }
  return flags;
}

/** Iterations of cpuWork worth CPU_TARGET_MS here, measured once per run on this (Node) process; every
 * server then does exactly that much work, whatever its runtime's speed. */
function calibrateCpu(): number {
  const PROBE = 200_000;
  for (let i = 0; i < 20; i++) cpuWork(PROBE / 4); // let the JIT optimize it first
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    cpuWork(PROBE);
    times.push(performance.now() - t0);
  }
  // The fastest run is the uncontended cost; a median would absorb whatever else the machine is doing.
  const fastest = Math.min(...times);
  return Math.max(1_000, Math.round((PROBE * CPU_TARGET_MS) / fastest / 1_000) * 1_000);
}

/** Machine-wide CPU time by kind (jiffies) from the first line of /proc/stat: user nice system idle
 * iowait irq softirq steal. Steal (a VM's vCPU waiting for the host) makes every number noisier. */
function machineCpu(): { busy: number; idle: number; steal: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  return { busy: user! + nice! + system! + irq! + softirq!, idle: idle! + iowait!, steal: steal ?? 0 };
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const flags = parseArgs(process.argv.slice(2));
  if (flags.has("help")) return console.log(USAGE);
  if (flags.has("profile")) {
    const { profileMain } = await import("./profile.ts");
    return profileMain(process.argv.slice(2));
  }
  const base = flags.has("quick") ? QUICK : FULL;
  const num = (name: string, fallback: number) => (flags.has(name) ? Number(flags.get(name)) : fallback);
  const runtimes = (flags.get("runtimes")?.split(",") ?? [...RUNTIMES]) as RuntimeName[];
  for (const r of runtimes) if (!RUNTIMES.includes(r)) throw new Error(`bench: unknown runtime ${r}`);
  const only = flags.get("only")?.split(",");
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
  if (only && scenarios.length !== only.length) {
    throw new Error(`bench: unknown scenario in --only (known: ${SCENARIOS.map((s) => s.id).join(", ")})`);
  }

  const wrkVersion = ensureWrk();
  const cpuIterations = num("cpu-iters", calibrateCpu());
  const staticDir = mkdtempSync(join(tmpdir(), "weft-bench-"));
  writeFileSync(join(staticDir, STATIC_NAME), staticFileBytes());
  const opts: BenchOptions = {
    rounds: num("rounds", base.rounds),
    durationS: num("duration", base.durationS),
    warmupS: num("warmup", base.warmupS),
    connections: num("connections", DEFAULT_CONNECTIONS),
    wrkThreads: num("wrk-threads", DEFAULT_WRK_THREADS),
    idleConnections: num("idle", base.idleConnections),
    runtimes,
    cpuIterations,
    env: { ...process.env, WEFT_BENCH_CPU_ITERS: String(cpuIterations), WEFT_BENCH_STATIC_DIR: staticDir, NO_COLOR: "1" },
  };
  const meta = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: release(), loadavgAtStart: loadavg() },
    versions: {
      node: process.version,
      deno: versionOf(join(REPO_ROOT, "node_modules/.bin/deno"), ["--version"]),
      bun: versionOf(join(REPO_ROOT, "node_modules/.bin/bun"), ["--version"]),
      wrk: wrkVersion,
    },
    options: { ...opts, env: undefined },
    cpuIterations,
  };
  console.log(`bench: ${scenarios.map((s) => s.id).join(", ")} on ${runtimes.join(", ")}; ${opts.rounds} round(s) of ${opts.durationS} s, warm-up ${opts.warmupS} s, ${opts.connections} connections; /cpu = ${cpuIterations} iterations (~${CPU_TARGET_MS} ms); load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  if (loadavg()[0]! > cpus().length / 2) console.log("bench: warning: the machine is busy; numbers will be noisy.");

  const rows: Row[] = [];
  const cpuAtStart = machineCpu();
  try {
    for (const sc of scenarios) {
      console.log(`\n${sc.title} [${sc.id}]`);
      try {
        if (sc.kind === "throughput") rows.push(...(await runThroughput(sc, opts)));
        else if (sc.kind === "idle") rows.push(...(await runIdle(sc, opts)));
        else rows.push(...(await runBlocked(sc, opts)));
      } catch (error) {
        // One broken scenario must not cost the others' results.
        console.log(`  ! ${sc.id} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    rmSync(staticDir, { recursive: true, force: true });
  }

  const summaries = rows.map(summarize);
  const table = markdownTable(summaries);
  const summary = summaryText(summaries);
  console.log(`\n${table}\n\n${summary}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = meta.startedAt.replace(/[:.]/g, "-");
  const jsonPath = join(RESULTS_DIR, `bench-${stamp}.json`);
  const mdPath = join(RESULTS_DIR, `bench-${stamp}.md`);
  const cpuAtEnd = machineCpu();
  const total = (c: ReturnType<typeof machineCpu>) => c.busy + c.idle + c.steal;
  const stealPercent = (100 * (cpuAtEnd.steal - cpuAtStart.steal)) / Math.max(1, total(cpuAtEnd) - total(cpuAtStart));
  const finished = { ...meta, finishedAt: new Date().toISOString(), loadavgAtEnd: loadavg(), stealPercent };
  if (stealPercent >= STEAL_WARN_PERCENT) console.log(`bench: warning: ${stealPercent.toFixed(1)}% of CPU time was stolen by the hypervisor; numbers are noisy.`);
  writeFileSync(jsonPath, JSON.stringify({ meta: finished, summaries, rows }, null, 2));
  const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  const conditions = `${meta.machine.cpus} CPUs (${meta.machine.cpuModel}); load average ${loads(meta.machine.loadavgAtStart)} at start, ` +
    `${loads(finished.loadavgAtEnd)} at end; hypervisor steal ${stealPercent.toFixed(1)}%; ${opts.rounds} round(s) × ${opts.durationS} s; /cpu = ${cpuIterations} iterations`;
  const versions = Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join("; ");
  writeFileSync(mdPath, `# weft benchmark, ${meta.startedAt}\n\n${versions}\n\n${conditions}\n\n${table}\n\n${summary}\n`);
  console.log(`\nbench: wrote ${jsonPath} and ${mdPath}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping servers`);
    process.exit(130); // the "exit" handler in proc.ts kills every server still running
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
