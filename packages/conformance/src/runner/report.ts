// The matrix case × server, the failure details and the summary line.

import type { Case } from "../cases/index.ts";
import { ALL_SERVERS, isWeft, type NativeServerId, type ServerId } from "../servers.ts";
import type { CaseResult } from "./execute.ts";

export type Results = Map<Case, Map<ServerId, CaseResult>>;
export interface IdenticalRow {
  name: string;
  ok: boolean;
  message?: string;
}

/** Message of every cell of a server that did not start (reported once, at the top). */
export const NOT_STARTED = "server did not start";
const CELL_WIDTH = 11;
const NAME_WIDTH = 84;

/** Legend for native cells: a known gap is a named flag on the case, so it is told apart. */
function cell(c: Case, server: ServerId, result: CaseResult | undefined): string {
  if (!result) return "-";
  if (isWeft(server)) return result.ok ? "ok" : "FAIL";
  const gap = c.gaps?.[server as NativeServerId];
  if (gap) return result.ok ? "ok (gap?)" : "gap";
  return result.ok ? "ok" : "differs";
}

const header = (server: ServerId) => (isWeft(server) ? server : `${server} ref`);

export function printMatrix(cases: readonly Case[], servers: readonly ServerId[], results: Results, log: (line: string) => void): void {
  const columns = ALL_SERVERS.filter((s) => servers.includes(s));
  const name = (text: string) => (text.length >= NAME_WIDTH ? text.slice(0, NAME_WIDTH - 2) + "… " : text.padEnd(NAME_WIDTH));
  log(name("case") + columns.map((s) => header(s).padEnd(CELL_WIDTH)).join(""));
  let group = "";
  for (const c of cases) {
    if (c.group !== group) {
      group = c.group;
      log(`-- ${group}`);
    }
    const row = results.get(c);
    log(name(`  ${c.name}`) + columns.map((s) => cell(c, s, row?.get(s)).padEnd(CELL_WIDTH)).join(""));
  }
  log("");
  log("ref columns never fail the run. gap = a known, named gap of that native server; differs = native");
  log("behaviour differs from weft's expectation (reference only); ok (gap?) = flagged gap that passed.");
}

export function printDetails(cases: readonly Case[], results: Results, identical: IdenticalRow[], log: (line: string) => void): void {
  const weftFailures: string[] = [];
  const nativeDiffs: string[] = [];
  for (const c of cases) {
    for (const [server, result] of results.get(c) ?? []) {
      if (result.ok || result.message === NOT_STARTED) continue;
      const line = `  ${server.padEnd(10)} ${c.name}\n             → ${result.message ?? "failed"}`;
      if (isWeft(server)) weftFailures.push(line);
      else if (!c.gaps?.[server as NativeServerId]) nativeDiffs.push(line);
    }
  }
  for (const row of identical) if (!row.ok) weftFailures.push(`  ${row.name}\n             → ${row.message ?? "differs"}`);
  if (nativeDiffs.length > 0) {
    log("");
    log(`Reference servers differing from weft's expectations (not failures): ${nativeDiffs.length}`);
    for (const line of nativeDiffs) log(line);
  }
  if (weftFailures.length > 0) {
    log("");
    log(`weft failures: ${weftFailures.length}`);
    for (const line of weftFailures) log(line);
  }
}

/** Counts over weft cells and the byte-identical rows: these decide the run. */
export function weftCounts(results: Results, identical: IdenticalRow[]): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const row of results.values()) {
    for (const [server, result] of row) {
      if (!isWeft(server)) continue;
      if (result.ok) passed++;
      else failed++;
    }
  }
  for (const row of identical) row.ok ? passed++ : failed++;
  return { passed, failed };
}

/** Native cells that behaved as weft is expected to (shown, never counted). */
export function referenceCounts(results: Results): { ok: number; total: number } {
  let ok = 0;
  let total = 0;
  for (const row of results.values()) {
    for (const [server, result] of row) {
      if (isWeft(server)) continue;
      total++;
      if (result.ok) ok++;
    }
  }
  return { ok, total };
}
