// A weft benchmark server on whichever runtime runs this file (Node via tsx, Deno, Bun).
//   --workers=0  handlers inline on the event loop (`serve({ fetch })`)
//   --workers=N  handlers on a pool of N worker threads (`serve({ module, workers: N })`)
//   --processes  with --workers: the pool's workers are child processes (`pool: { isolation: "process" }`)
// Prints `WEFT_BENCH_PORT=<port>` once listening; exits cleanly on SIGTERM (for `--cpu-prof`).
import type { Server, ServeOptions } from "@weft/core";
import app from "./app.ts";
import { envVar, IDLE_TIMEOUT_MS, PORT_LINE_PREFIX } from "./content.ts";

interface Runtime {
  name: "node" | "deno" | "bun";
  args: string[];
  onSignal(listener: () => void): void;
  exit(code: number): void;
}

function runtime(): Runtime {
  const g = globalThis as unknown as {
    Deno?: { args: string[]; addSignalListener(s: string, l: () => void): void; exit(c: number): never };
    Bun?: unknown;
  };
  if (g.Deno) {
    const deno = g.Deno;
    return {
      name: "deno",
      args: deno.args,
      onSignal: (l) => ["SIGTERM", "SIGINT"].forEach((s) => deno.addSignalListener(s, l)),
      exit: (c) => deno.exit(c),
    };
  }
  return {
    name: g.Bun ? "bun" : "node",
    args: process.argv.slice(2),
    onSignal: (l) => ["SIGTERM", "SIGINT"].forEach((s) => process.on(s, l)),
    exit: (c) => process.exit(c),
  };
}

const rt = runtime();
const workersArg = rt.args.find((a) => a.startsWith("--workers="));
const workers = workersArg ? Number(workersArg.slice("--workers=".length)) : 0;
const isolation = rt.args.includes("--processes") ? "process" : "thread";
// WEFT_BENCH_LOOKAHEAD=N, WEFT_BENCH_STALL=MS: try another pool.lookahead / pool.lookaheadStall without
// editing the defaults; WEFT_BENCH_POOL='{"taskTimeout":0}': any pool options, as JSON.
const [aheadEnv, stallEnv, poolEnv] = ["WEFT_BENCH_LOOKAHEAD", "WEFT_BENCH_STALL", "WEFT_BENCH_POOL"].map(envVar);
const lookahead = {
  ...(aheadEnv ? { lookahead: Number(aheadEnv) } : {}),
  ...(stallEnv ? { lookaheadStall: Number(stallEnv) } : {}),
  ...(poolEnv ? JSON.parse(poolEnv) : {}),
};

// The adapter for this runtime. A computed specifier, so typechecking the bench (with Node's types) does
// not pull in the Deno and Bun adapters' sources.
const adapter: string = `@weft/${rt.name}`;
const { serve } = (await import(adapter)) as { serve(options: ServeOptions): Promise<Server> };

const common: ServeOptions = { hostname: "127.0.0.1", port: 0, timeouts: { keepAliveTimeout: IDLE_TIMEOUT_MS } };
const server = workers > 0
  ? await serve({ ...common, module: new URL("./app.ts", import.meta.url).href, workers, pool: { isolation, ...lookahead } })
  : await serve({ ...common, fetch: app.fetch });
console.log(`${PORT_LINE_PREFIX}${server.port}`);

let stopping = false;
rt.onSignal(() => {
  if (stopping) return rt.exit(1);
  stopping = true;
  // Close, but never wait long: the harness only needs the process gone and its profile written.
  const forced = setTimeout(() => rt.exit(0), 2_000);
  server.close().finally(() => {
    clearTimeout(forced);
    rt.exit(0);
  });
});
