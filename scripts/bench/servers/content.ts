// The bytes and the work every benchmark server shares, so weft and the native servers answer with the
// same bodies. Web-standard APIs only: this file is imported on Node, Deno and Bun, in worker threads too.

/** GET / — a small HTML page (the seed's hello page, ~200 bytes). */
export const HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Hello!</title>
  </head>
  <body>
    <h1>Hello!</h1>
    <p>Hi from the weft benchmark</p>
  </body>
</html>
`;
export const HTML_TYPE = "text/html; charset=utf-8";
export const OCTETS_TYPE = "application/octet-stream";
export const TEXT_TYPE = "text/plain; charset=utf-8";

/** POST /echo body size the load generator sends (issue 6: 4 KiB echo). */
export const ECHO_BYTES = 4 * 1024;

/** GET /static.bin: a 64 KiB file written by the harness into WEFT_BENCH_STATIC_DIR. */
export const STATIC_NAME = "static.bin";
export const STATIC_BYTES = 64 * 1024;

/** Deterministic file contents, so every server's bytes can be checked against the same expectation. */
export function staticFileBytes(): Uint8Array {
  const bytes = new Uint8Array(STATIC_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >>> 8)) & 0xff;
  return bytes;
}

/** Default iterations of `cpuWork`; the harness calibrates a value worth ~2 ms once per run and passes
 * it to every server in WEFT_BENCH_CPU_ITERS, so every server does exactly the same work. */
export const DEFAULT_CPU_ITERS = 400_000;

/** ~2 ms of deterministic CPU work (integer hashing, xorshift + FNV-1a mixing). The result goes into
 * the response body so no JIT can drop the loop.
 *
 * Why the body is unrolled 16×: to make the function bigger than V8 inlines into a caller (its
 * max_inlined_bytecode_size is 460 bytes). As a plain loop, inlined into weft's async `run` on Node 20
 * (the profile charged its time to `run`), it cost ~9 ms of CPU per request instead of ~3 ms, and the
 * `cpu` scenario measured V8's inlining luck, not the pool; unrolled, inline weft is back to ~3 ms
 * (measured with this harness). Each step is the same; the result equals the plain loop's. */
export function cpuWork(iterations: number): number {
  let h = FNV_OFFSET;
  let x = XORSHIFT_SEED;
  let i = 0;
  for (; i + UNROLL <= iterations; i += UNROLL) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
  }
  for (; i < iterations; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; h = Math.imul(h ^ (x & 0xff), FNV_PRIME);
  }
  return h >>> 0;
}
const UNROLL = 16;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const XORSHIFT_SEED = 0x9e3779b9;

/** Body of GET /cpu for a given iteration count (the harness checks it). */
export const cpuBody = (iterations: number): string => `cpu ${cpuWork(iterations)}\n`;

/** Most a /sleep request may block, so a stray request cannot wedge a worker for long. */
export const MAX_SLEEP_MS = 5_000;

/** GET /sleep?ms=N: block this thread (not just this request) for N ms, as a handler stuck in sync
 * work would. Used to block pool workers in the p99 scenario. */
export function blockFor(ms: number): void {
  const clamped = Math.max(0, Math.min(MAX_SLEEP_MS, ms | 0));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, clamped);
}

/** `ms` from a target like `/sleep?ms=250` (0 when absent or malformed). */
export function sleepMsOf(target: string): number {
  const match = /[?&]ms=(\d+)/.exec(target);
  return match ? Number(match[1]) : 0;
}

/** Path of a request target or absolute URL, without the query: cheap, so routing costs the same in
 * every server (no `new URL` per request). */
export function pathOf(url: string): string {
  let start = 0;
  const scheme = url.indexOf("://");
  if (scheme !== -1) start = url.indexOf("/", scheme + 3);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}

/** Settings every server reads from its environment, set by the harness. */
export interface BenchEnv {
  cpuIterations: number;
  staticDir: string;
}

/** An environment variable, through whichever environment API the runtime has. On Deno, never through
 * `globalThis.process`: its first use loads Deno's Node compatibility layer, ~1.6 MB of heap, which a
 * benchmark server must not carry unless the server itself needs it (BENCHMARKS.md, "What an inline
 * server loads"). */
export function envVar(name: string): string | undefined {
  const g = globalThis as unknown as {
    Deno?: { env: { get(name: string): string | undefined } };
    process?: { env: Record<string, string | undefined> };
  };
  return g.Deno ? g.Deno.env.get(name) : g.process?.env[name];
}

/** Read the settings. */
export function benchEnv(): BenchEnv {
  return {
    cpuIterations: Number(envVar("WEFT_BENCH_CPU_ITERS") ?? DEFAULT_CPU_ITERS),
    staticDir: envVar("WEFT_BENCH_STATIC_DIR") ?? ".",
  };
}

/** Line each server prints on stdout once it listens; the harness waits for it. */
export const PORT_LINE_PREFIX = "WEFT_BENCH_PORT=";

/** Keep-alive idle timeout given to every server, in ms: long enough for the idle-connection scenario
 * to hold 5,000 connections while it measures (node:http and weft default to 5 s, Bun.serve to 10 s). */
export const IDLE_TIMEOUT_MS = 120_000;
