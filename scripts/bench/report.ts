// Turning per-round samples into medians, ratios and the Markdown table.
import type { RuntimeName } from "./proc.ts";
import { type Target, TARGETS, targetMet, targetText } from "./scenarios.ts";

/** One measurement of one server in one round. */
export interface Sample {
  round: number;
  role: "weft" | "baseline";
  server: string;
  /** req/s, KiB per connection or p99 ms, per the row's unit. */
  value: number;
  /** Server CPU time (user + system, all threads) per request, in µs. */
  cpuUsPerReq?: number;
  rps?: number;
  p99Ms?: number;
  /** wrk errors (connect/read/write/timeout/status ≥ 400) or connections that failed. */
  errors?: number;
  /** Response bytes (head + body) per request, as wrk read them: shows when servers' heads differ. */
  bytesPerResponse?: number;
  /** CPU wrk used during this run, in cores (≈ 1 per wrk thread: the load generator set the pace). */
  wrkCores?: number;
  /** wrk's error counts by kind, when there were any. */
  errorKinds?: Record<string, number>;
}

/** All samples of one scenario on one runtime: weft's variant against its baseline. */
export interface Row {
  scenario: string;
  title: string;
  runtime: RuntimeName;
  unit: "req/s" | "KiB/conn" | "p99 ms";
  weftLabel: string;
  baselineLabel: string;
  samples: Sample[];
  /** Why samples are missing (a server failed to start or answered wrong bytes), if they are. */
  problems: string[];
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(values: number[]): Stats | null {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { median, min: xs[0]!, max: xs[xs.length - 1]!, n: xs.length };
}

export interface RowSummary {
  scenario: string;
  title: string;
  runtime: RuntimeName;
  unit: Row["unit"];
  weftLabel: string;
  baselineLabel: string;
  weft: Stats | null;
  baseline: Stats | null;
  /** weft / baseline computed inside each round, then summarized (issue 6's method). */
  ratio: Stats | null;
  target: Target | undefined;
  met: boolean | null;
  cpuUsPerReq: { weft: number | null; baseline: number | null };
  errors: number;
  /** wrk itself used ≥ WRK_BOUND_CORES in some sample of this row. */
  wrkBound: boolean;
  problems: string[];
}

/** wrk CPU (cores, per wrk thread) at which a run counts as load-generator bound. */
export const WRK_BOUND_CORES = 0.9;

export function summarize(row: Row): RowSummary {
  const of = (role: Sample["role"]) => row.samples.filter((s) => s.role === role);
  const ratios: number[] = [];
  for (const round of new Set(row.samples.map((s) => s.round))) {
    const w = of("weft").find((s) => s.round === round);
    const b = of("baseline").find((s) => s.round === round);
    if (w && b && b.value > 0) ratios.push(w.value / b.value);
  }
  const ratio = stats(ratios);
  const target = TARGETS[row.scenario]?.[row.runtime];
  const cpu = (role: Sample["role"]) => stats(of(role).map((s) => s.cpuUsPerReq ?? NaN))?.median ?? null;
  return {
    scenario: row.scenario,
    title: row.title,
    runtime: row.runtime,
    unit: row.unit,
    weftLabel: row.weftLabel,
    baselineLabel: row.baselineLabel,
    weft: stats(of("weft").map((s) => s.value)),
    baseline: stats(of("baseline").map((s) => s.value)),
    ratio,
    target,
    met: ratio ? targetMet(target, ratio.median) : null,
    cpuUsPerReq: { weft: cpu("weft"), baseline: cpu("baseline") },
    errors: row.samples.reduce((sum, s) => sum + (s.errors ?? 0), 0),
    wrkBound: row.samples.some((s) => (s.wrkCores ?? 0) >= WRK_BOUND_CORES),
    problems: row.problems,
  };
}

const DIGITS: Record<Row["unit"], number> = { "req/s": 0, "KiB/conn": 1, "p99 ms": 2 };
const num = (x: number, digits: number) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function cell(s: Stats | null, digits: number): string {
  if (!s) return "n/a";
  return s.n > 1 ? `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})` : num(s.median, digits);
}

const metText = (met: boolean | null) => (met === null ? "—" : met ? "yes" : "**no**");
const cpuText = (c: RowSummary["cpuUsPerReq"]) =>
  c.weft === null && c.baseline === null ? "—" : `${c.weft === null ? "n/a" : num(c.weft, 1)} / ${c.baseline === null ? "n/a" : num(c.baseline, 1)}`;

/** scenario × runtime: weft, baseline, ratio, target, met? (medians with min–max over rounds). */
export function markdownTable(rows: RowSummary[]): string {
  const lines = [
    "| scenario | runtime | weft (variant) | baseline | unit | ratio weft/baseline | target | met? | server CPU µs/req weft / baseline | errors |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const d = DIGITS[r.unit];
    const weft = `${cell(r.weft, d)} (${r.weftLabel})`;
    const base = `${cell(r.baseline, d)} (${r.baselineLabel})`;
    // Two decimals, or three when two would round the median onto the target and hide the verdict.
    const close = r.ratio && r.target && Math.abs(r.ratio.median - r.target.value) < 0.005;
    const ratio = r.ratio ? cell(r.ratio, close ? 3 : 2) + "×" : "n/a";
    lines.push(`| ${r.title} | ${r.runtime} | ${weft} | ${base} | ${r.unit} | ${ratio} | ${targetText(r.target)} | ${metText(r.met)} | ${cpuText(r.cpuUsPerReq)} | ${r.errors} |`);
  }
  return lines.join("\n");
}

/** The closing summary: targets met, missed, and rows that could not be measured. */
export function summaryText(rows: RowSummary[]): string {
  const withTarget = rows.filter((r) => r.target);
  const met = withTarget.filter((r) => r.met === true);
  const missed = withTarget.filter((r) => r.met === false);
  const unmeasured = rows.filter((r) => !r.ratio);
  const unjudged = withTarget.length - met.length - missed.length;
  const out = [`Targets met: ${met.length} of ${withTarget.length}${unjudged ? ` (${unjudged} not measured)` : ""}.`];
  for (const r of missed) {
    out.push(`  missed: ${r.title} on ${r.runtime}: ${num(r.ratio!.median, 2)}× (target ${targetText(r.target)})`);
  }
  for (const r of unmeasured) out.push(`  not measured: ${r.title} on ${r.runtime}${r.problems.length ? `: ${r.problems[0]}` : ""}`);
  for (const r of rows.filter((r) => r.wrkBound)) {
    out.push(`  load-generator bound (wrk used ≥ ${WRK_BOUND_CORES} core in some round): ${r.title} on ${r.runtime}: the faster side may be faster than shown`);
  }
  const noisy = rows.filter((r) => r.errors > 0);
  for (const r of noisy) out.push(`  errors reported: ${r.title} on ${r.runtime}: ${r.errors}`);
  return out.join("\n");
}
