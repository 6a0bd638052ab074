// What the benchmark measures (issue 6) and the targets it is judged by, in one place.
import type { RuntimeName, ServerKind } from "./proc.ts";
import { ECHO_BYTES } from "./servers/content.ts";

/** Throughput under wrk: weft variant vs baseline variant on the same runtime; ratio = weft / baseline. */
export interface ThroughputScenario {
  kind: "throughput";
  id: string;
  title: string;
  weft: ServerKind;
  baseline: ServerKind;
  path: string;
  method?: string;
  body?: number;
  pipeline?: number;
}

/** KiB of server RSS per idle keep-alive connection; ratio = weft / baseline (lower is better). */
export interface IdleScenario {
  kind: "idle";
  id: string;
  title: string;
  weft: ServerKind;
  baseline: ServerKind;
}

/** p99 of `GET /` on a 4-worker pool with BLOCKED_WORKERS workers stuck in /sleep vs all free;
 * ratio = blocked / free (lower is better). */
export interface BlockedScenario {
  kind: "blocked";
  id: string;
  title: string;
  server: ServerKind;
}

export type Scenario = ThroughputScenario | IdleScenario | BlockedScenario;

/** Pool workers kept busy in the p99 scenario, and how long each of their /sleep requests blocks. */
export const BLOCKED_WORKERS = 3;
export const BLOCK_SLEEP_MS = 1_000;
/** wrk connections in the p99 scenario: a moderate load, so p99 measures dispatch (does a request wait
 * behind a blocked worker?) rather than the queueing of a saturated server. */
export const BLOCKED_CONNECTIONS = 10;

export const SCENARIOS: readonly Scenario[] = [
  { kind: "throughput", id: "get", title: "keep-alive GET /", weft: "weft-inline", baseline: "native", path: "/" },
  // The floor (servers/floor.ts), reported only: how far any server on the raw socket API could get
  // against the native one, and what weft costs above it.
  { kind: "throughput", id: "get-floor", title: "keep-alive GET /, the floor vs the native server", weft: "floor", baseline: "native", path: "/" },
  { kind: "throughput", id: "get-vs-floor", title: "keep-alive GET /, weft inline vs the floor", weft: "weft-inline", baseline: "floor", path: "/" },
  { kind: "throughput", id: "pipeline", title: "GET / pipelined 16 deep", weft: "weft-inline", baseline: "native", path: "/", pipeline: 16 },
  { kind: "throughput", id: "static", title: "GET 64 KiB static file", weft: "weft-inline", baseline: "native", path: "/static.bin" },
  { kind: "throughput", id: "echo", title: "POST 4 KiB echo", weft: "weft-inline", baseline: "native", path: "/echo", method: "POST", body: ECHO_BYTES },
  { kind: "throughput", id: "pool-get", title: "GET / pool of 2 vs weft inline", weft: "weft-pool2", baseline: "weft-inline", path: "/" },
  { kind: "throughput", id: "cpu", title: "CPU route (~2 ms) pool of 2 vs inline", weft: "weft-pool2", baseline: "weft-inline", path: "/cpu" },
  // The same two on child-process workers (pool.isolation "process"): no targets, reported only.
  { kind: "throughput", id: "pool-get-proc", title: "GET / process pool of 2 vs weft inline", weft: "weft-proc2", baseline: "weft-inline", path: "/" },
  { kind: "throughput", id: "cpu-proc", title: "CPU route (~2 ms) process pool of 2 vs inline", weft: "weft-proc2", baseline: "weft-inline", path: "/cpu" },
  { kind: "idle", id: "idle", title: "idle keep-alive connections, KiB RSS each", weft: "weft-inline", baseline: "native" },
  { kind: "blocked", id: "p99-blocked", title: `p99 GET / with ${BLOCKED_WORKERS} of 4 workers blocked vs free`, server: "weft-pool4" },
];

export interface Target {
  /** "min": ratio must be >= value; "max": ratio must be <= value. */
  bound: "min" | "max";
  value: number;
}

/** Issue 6's targets, on the median of the per-round ratios. Scenarios without one are reported only. */
export const TARGETS: Record<string, Partial<Record<RuntimeName, Target>>> = {
  get: { node: { bound: "min", value: 1.3 }, deno: { bound: "min", value: 1.0 }, bun: { bound: "min", value: 1.0 } },
  pipeline: { node: { bound: "min", value: 3 }, deno: { bound: "min", value: 3 }, bun: { bound: "min", value: 3 } },
  "pool-get": { node: { bound: "min", value: 0.6 }, deno: { bound: "min", value: 0.6 }, bun: { bound: "min", value: 0.6 } },
  cpu: { node: { bound: "min", value: 1.7 }, deno: { bound: "min", value: 1.7 }, bun: { bound: "min", value: 1.7 } },
  idle: { node: { bound: "max", value: 1.0 }, deno: { bound: "max", value: 1.0 }, bun: { bound: "max", value: 1.0 } },
  "p99-blocked": { node: { bound: "max", value: 2 }, deno: { bound: "max", value: 2 }, bun: { bound: "max", value: 2 } },
};

export const targetText = (t: Target | undefined): string => (t ? `${t.bound === "min" ? "≥" : "≤"} ${t.value}×` : "—");
export const targetMet = (t: Target | undefined, ratio: number): boolean | null =>
  !t || !Number.isFinite(ratio) ? null : t.bound === "min" ? ratio >= t.value : ratio <= t.value;
