// Before/after: compare two benchmark runs (the JSON files `npm run bench` writes under results/).
//
//   node --import tsx scripts/bench/compare.ts results/bench-A.json results/bench-B.json
//
// For each scenario × runtime present in both: weft's median, the baseline's median and the median ratio,
// before → after, with the change in %. Numbers from two runs are only comparable on the same machine in
// the same state; the ratios (measured against a baseline inside each run) travel better than req/s.
import { readFileSync } from "node:fs";
import type { RowSummary } from "./report.ts";

interface BenchFile {
  meta: { startedAt: string; loadavgAtStart?: number[]; machine?: { loadavgAtStart?: number[] } };
  summaries: RowSummary[];
}

const [beforePath, afterPath] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error("usage: node --import tsx scripts/bench/compare.ts <before.json> <after.json>");
  process.exit(1);
}
const load = (path: string) => JSON.parse(readFileSync(path, "utf8")) as BenchFile;
const before = load(beforePath);
const after = load(afterPath);
const key = (s: RowSummary) => `${s.scenario}/${s.runtime}`;
const byKey = new Map(before.summaries.map((s) => [key(s), s]));

const fmt = (x: number | undefined, digits: number) =>
  x === undefined ? "n/a" : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const change = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || a === 0 ? "" : ` (${b >= a ? "+" : ""}${(((b - a) / a) * 100).toFixed(0)}%)`;
const pair = (a: number | undefined, b: number | undefined, digits: number) => `${fmt(a, digits)} → ${fmt(b, digits)}${change(a, b)}`;

console.log(`before: ${before.meta.startedAt} (${beforePath})\nafter:  ${after.meta.startedAt} (${afterPath})\n`);
console.log("| scenario | runtime | unit | weft | baseline | ratio | met? |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const b of after.summaries) {
  const a = byKey.get(key(b));
  if (!a) continue;
  const digits = b.unit === "req/s" ? 0 : b.unit === "KiB/conn" ? 1 : 2;
  const met = (m: boolean | null) => (m === null ? "—" : m ? "yes" : "no");
  console.log(
    `| ${b.title} | ${b.runtime} | ${b.unit} | ${pair(a.weft?.median, b.weft?.median, digits)} | ` +
      `${pair(a.baseline?.median, b.baseline?.median, digits)} | ${pair(a.ratio?.median, b.ratio?.median, 2)} | ${met(a.met)} → ${met(b.met)} |`,
  );
}
