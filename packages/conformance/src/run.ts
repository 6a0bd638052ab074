// The conformance runner: `npm run conformance` (node --import tsx src/run.ts).
//
// Life of a run: start the six fixture servers (weft on node, deno, bun; node:http, Deno.serve and
// Bun.serve as reference) on free ports → run every case against each server (the three weft servers at
// once, then the three reference servers; modest concurrency per server, exclusive cases alone) → check
// weft answers representative requests with byte-identical responses on all three runtimes → print the
// matrix, the details and "N passed, N failed" → stop every child → exit 1 if any weft cell failed.
//
// Environment knobs (for engineers chasing one failure):
//   CONFORMANCE_SERVERS=weft-node,node   only these columns
//   CONFORMANCE_FILTER=smuggle           only cases whose name contains this (case-insensitive)
//   CONFORMANCE_CONCURRENCY=4            cases run at once per server
//   CONFORMANCE_DEADLINE_MS=300000       hard bound on the whole run
//   CONFORMANCE_ATTACH=weft-node:8080    use a server already listening on that port (not started/stopped)
//   WEFT_FIXTURE_WORKERS=2               weft fixtures serve the app through a pool of that many workers
//                                        (`npm run conformance:pool`, part of `npm test`)

import { monitorEventLoopDelay } from "node:perf_hooks";
import { CASES } from "./cases/index.ts";
import { attachFixture, type Fixture, killAll, startFixture, stopFixture } from "./runner/fixtures.ts";
import { runAll } from "./runner/execute.ts";
import { identicalRows } from "./runner/identical.ts";
import { NOT_STARTED, printDetails, printMatrix, referenceCounts, type Results, weftCounts } from "./runner/report.ts";
import { ALL_SERVERS, isWeft, type ServerId, WEFT_SERVERS } from "./servers.ts";

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_DEADLINE_MS = 300_000;

const env = process.env;
const servers = (env.CONFORMANCE_SERVERS ? env.CONFORMANCE_SERVERS.split(",").map((s) => s.trim()) : [...ALL_SERVERS]) as ServerId[];
for (const s of servers) if (!ALL_SERVERS.includes(s)) throw new Error(`unknown server ${s}; known: ${ALL_SERVERS.join(", ")}`);
const filter = env.CONFORMANCE_FILTER?.toLowerCase();
const cases = filter ? CASES.filter((c) => c.name.toLowerCase().includes(filter) || c.group.toLowerCase().includes(filter)) : CASES;
const concurrency = Number(env.CONFORMANCE_CONCURRENCY ?? DEFAULT_CONCURRENCY);
const deadlineMs = Number(env.CONFORMANCE_DEADLINE_MS ?? DEFAULT_DEADLINE_MS);
const attached = new Map(
  (env.CONFORMANCE_ATTACH ?? "").split(",").filter(Boolean).map((pair) => {
    const [id, port] = pair.split(":");
    return [id as ServerId, Number(port)] as const;
  }),
);
const log = (line: string) => process.stdout.write(line + "\n");

const deadline = setTimeout(() => {
  log(`conformance: the run did not finish within ${deadlineMs} ms; killing every fixture`);
  killAll();
  process.exit(1);
}, deadlineMs);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** The client is one Node process driving every server: if its event loop stalls, timing cases (byte-at-a-
 * time writes against short timeouts) can fail for the client's sake. Its worst stall is reported. */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
const NS_PER_MS = 1e6;

async function main(): Promise<number> {
  const started = Date.now();
  loopDelay.enable();
  log(`conformance: ${cases.length} cases × ${servers.length} servers (${servers.join(", ")})`);
  const fixtures = new Map<ServerId, Fixture>();
  const startErrors = new Map<ServerId, string>();
  await Promise.all(
    servers.map(async (id) => {
      try {
        const port = attached.get(id);
        fixtures.set(id, port ? attachFixture(id, port) : await startFixture(id));
      } catch (error) {
        startErrors.set(id, error instanceof Error ? error.message : String(error));
      }
    }),
  );
  for (const [id, message] of startErrors) log(`conformance: ${isWeft(id) ? "FAILED TO START" : "reference server not started"}: ${message}`);

  const results: Results = new Map(cases.map((c) => [c, new Map()]));
  try {
    for (const id of startErrors.keys()) {
      for (const c of cases) results.get(c)!.set(id, { ok: false, message: NOT_STARTED, ms: 0 });
    }
    // Two phases, weft columns then reference columns: six servers and the client at once on 2 cores
    // starve processes long enough to upset the timing cases.
    for (const phase of [true, false]) {
      await Promise.all(
        [...fixtures.values()].filter((fixture) => isWeft(fixture.id) === phase).map((fixture) =>
          runAll(cases, fixture.id, fixture.port, concurrency, (c, result) => {
            if (!result.ok && fixture.exited()) result.message = `${result.message} (server process exited; see ${fixture.logFile})`;
            results.get(c)!.set(fixture.id, result);
          }),
        ),
      );
    }

    // The identical-bytes rows need every weft server and the full table's context; a filtered run skips them.
    const weft = WEFT_SERVERS.filter((id) => servers.includes(id));
    const identical = filter || weft.length < 2 ? [] : await identicalRows(weft.map((id) => [id, fixtures.get(id)?.port]));

    for (const fixture of fixtures.values()) {
      if (fixture.exited()) {
        log(`conformance: ${fixture.id} EXITED during the run (whole stderr: ${fixture.logFile}); it ends with:`);
        log(`  ${fixture.stderr().trim().split("\n").slice(-8).join("\n  ")}`);
      }
    }
    log("");
    printMatrix(cases, servers, results, log);
    if (identical.length > 0) {
      log("");
      log(`byte-identical responses across ${WEFT_SERVERS.filter((id) => servers.includes(id)).join(", ")} (Date masked):`);
      for (const row of identical) log(`  ${row.ok ? "ok  " : "FAIL"} ${row.name}`);
    }
    printDetails(cases, results, identical, log);
    const { passed, failed } = weftCounts(results, identical);
    const reference = referenceCounts(results);
    log("");
    log(`reference (native servers, not counted): ${reference.ok}/${reference.total} cells as weft expects`);
    log(`took ${((Date.now() - started) / 1000).toFixed(1)} s; client event-loop stall max ${(loopDelay.max / NS_PER_MS).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / NS_PER_MS).toFixed(0)} ms`);
    log(`${passed} passed, ${failed} failed`);
    return failed > 0 || (servers.some(isWeft) && passed === 0) ? 1 : 0;
  } finally {
    await Promise.all([...fixtures.values()].map(stopFixture));
  }
}

main().then(
  (code) => {
    clearTimeout(deadline);
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`conformance: runner error: ${error instanceof Error ? error.stack : String(error)}`);
    killAll();
    process.exit(1);
  },
);
