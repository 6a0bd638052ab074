// Profile a benchmark server under load and print where its CPU time goes.
//
//   npm run bench -- --profile=node [--scenario=get] [--server=weft-inline] [--duration=10] [--top=25]
//   node --import tsx scripts/bench/profile.ts --profile=deno --scenario=pipeline
//
// All three runtimes have a sampling profiler behind the same flag: `node --cpu-prof`, `deno run
// --cpu-prof` and `bun --cpu-prof` (checked on Node 20.20, Deno 2.9.6, Bun 1.4.5), each writing a Chrome
// `.cpuprofile` JSON file when the process exits. The server exits cleanly on SIGTERM for that reason.
// The profiles are kept under results/profiles/ (open them in Chrome DevTools → Performance); this script
// prints each one's top functions by self time, parsed from the JSON here.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { checkRoute } from "./measure.ts";
import { RUNTIMES, type RuntimeName, SERVER_KINDS, type ServerKind, startServer } from "./proc.ts";
import { SCENARIOS, type ThroughputScenario } from "./scenarios.ts";
import { DEFAULT_CPU_ITERS, STATIC_NAME, staticFileBytes } from "./servers/content.ts";
import { ensureWrk, runWrk } from "./wrk.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULTS = { scenario: "get", server: "weft-inline" as ServerKind, durationS: 10, top: 25, connections: 50 };
/** How long to wait for the profile file after the server was asked to exit. */
const PROFILE_WRITE_TIMEOUT_MS = 15_000;
const IDLE = "(idle)";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** When the load ran, in µs of CLOCK_MONOTONIC (what process.hrtime reads, and what V8 stamps its
 * profiles with on Linux). */
export interface LoadWindow {
  startUs: number;
  endUs: number;
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The load window, if this profile's clock is the same as ours (V8 on Linux: yes; Bun's profiler may
 * use another origin, in which case the whole profile is used, start-up included). */
function windowFor(profile: CpuProfile, window: LoadWindow): LoadWindow | undefined {
  return profile.startTime <= window.endUs && profile.endTime >= window.startUs ? window : undefined;
}

export interface SelfTime {
  name: string;
  selfMs: number;
  percent: number;
}

/** Self time per function (same name and source line merged), from a Chrome .cpuprofile: each sample
 * is charged to the node it landed in, weighted by the time until the next sample. With `window`
 * (µs, same clock as the profile's timestamps), only samples inside it count. */
export function selfTimes(profile: CpuProfile, window?: LoadWindow): { rows: SelfTime[]; busyMs: number; idleMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const micros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0) {
    let at = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] ?? 0;
      if (window && (at < window.startUs || at > window.endUs)) continue;
      const next = deltas[i + 1] ?? 0;
      micros.set(samples[i]!, (micros.get(samples[i]!) ?? 0) + Math.max(0, next));
    }
  } else {
    // No sample list: fall back to hit counts spread over the profile's duration.
    const hits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) micros.set(n.id, ((n.hitCount ?? 0) / hits) * (profile.endTime - profile.startTime));
  }
  const merged = new Map<string, number>();
  for (const [id, us] of micros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url ? frame.url.replace(/^file:\/\//, "").replace(REPO_ROOT, "") : "";
    const name = `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
    merged.set(name, (merged.get(name) ?? 0) + us);
  }
  // Percentages are of busy time: "(idle)" (the thread waiting for I/O) is reported on its own.
  const idleUs = merged.get(IDLE) ?? 0;
  merged.delete(IDLE);
  const busyUs = [...merged.values()].reduce((a, b) => a + b, 0) || 1;
  const rows = [...merged.entries()]
    .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (100 * us) / busyUs }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { rows, busyMs: busyUs / 1000, idleMs: idleUs / 1000 };
}

function printTop(file: string, top: number, load: LoadWindow): void {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const window = windowFor(profile, load);
  const { rows, busyMs, idleMs } = selfTimes(profile, window);
  const scope = window ? "during the load" : "whole process (clock not comparable: start-up included)";
  console.log(`\n${file.replace(REPO_ROOT, "")}: ${scope}, ${busyMs.toFixed(0)} ms busy, ${idleMs.toFixed(0)} ms idle; top ${top} by self time (% of busy)`);
  console.log("| self ms | % | function |\n| ---: | ---: | --- |");
  for (const r of rows.slice(0, top)) console.log(`| ${r.selfMs.toFixed(1)} | ${r.percent.toFixed(1)} | ${r.name.replace(/\|/g, "\\|")} |`);
}

export async function profileMain(argv: string[]): Promise<void> {
  const flags = new Map(argv.map((a) => /^--([\w-]+)(?:=(.*))?$/.exec(a)).filter((m) => m).map((m) => [m![1]!, m![2] ?? "true"]));
  const runtime = (flags.get("profile") ?? "node") as RuntimeName;
  if (!RUNTIMES.includes(runtime)) throw new Error(`profile: unknown runtime ${runtime}`);
  const kind = (flags.get("server") ?? DEFAULTS.server) as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`profile: --server must be one of ${SERVER_KINDS.join(", ")}`);
  const durationS = Number(flags.get("duration") ?? DEFAULTS.durationS);
  const top = Number(flags.get("top") ?? DEFAULTS.top);
  const scenario = SCENARIOS.find((s) => s.id === (flags.get("scenario") ?? DEFAULTS.scenario));
  if (!scenario || scenario.kind !== "throughput") {
    throw new Error(`profile: --scenario must be one of ${SCENARIOS.filter((s) => s.kind === "throughput").map((s) => s.id).join(", ")}`);
  }
  const sc = scenario as ThroughputScenario;
  ensureWrk();

  const dir = join(REPO_ROOT, "results", "profiles", `${runtime}-${kind}-${sc.id}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  const staticDir = mkdtempSync(join(tmpdir(), "weft-profile-"));
  writeFileSync(join(staticDir, STATIC_NAME), staticFileBytes());
  const env = { ...process.env, WEFT_BENCH_CPU_ITERS: String(DEFAULT_CPU_ITERS), WEFT_BENCH_STATIC_DIR: staticDir };
  try {
    const server = await startServer({ runtime, kind }, env, dir);
    console.log(`profile: ${server.label} under "${sc.title}" for ${durationS} s (profile in ${dir.replace(REPO_ROOT, "")})`);
    const problems = (await Promise.all([...new Set(["/", sc.path])].map((p) => checkRoute(server, p, DEFAULT_CPU_ITERS)))).flat();
    if (problems.length > 0) console.log(`profile: warning: wrong answers, the profile shows an error path: ${problems.join("; ")}`);
    const load: LoadWindow = { startUs: monotonicUs(), endUs: Infinity };
    try {
      const wrk = await runWrk(server.origin + sc.path, {
        connections: DEFAULTS.connections, threads: 1, durationS, pipeline: sc.pipeline, method: sc.method, body: sc.body,
      });
      console.log(`profile: ${Math.round(wrk.rps)} req/s (slower than unprofiled), ${wrk.errorCount} errors`);
    } finally {
      load.endUs = monotonicUs();
      await server.stop();
    }
    const started = Date.now();
    let files: string[] = [];
    while (Date.now() - started < PROFILE_WRITE_TIMEOUT_MS) {
      files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")) : [];
      if (files.length > 0) break;
      await sleep(200);
    }
    if (files.length === 0) throw new Error(`profile: no .cpuprofile written in ${dir}`);
    await sleep(500); // worker threads may write theirs a little later
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort()) printTop(join(dir, f), top, load);
  } finally {
    rmSync(staticDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  profileMain(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
