// Connection micro-benchmark (issue 6): µs of JavaScript per request through core's whole per-request
// path — parse, WeftRequest, handler, WeftResponse, serialize, write — over a Transport that only counts
// bytes, so no socket, syscall or load generator is measured. This is the part of weft's cost that
// weft controls; `npm run bench` measures it against the native servers over real sockets.
// Cases: keep-alive GET (one request per onData, as wrk sends them), 16 pipelined in one onData, the
// same two answered by a handler that returns a promise (as `async fetch` does, and the pool), and a
// small POST echo. Each case is timed REPEATS times; the fastest is printed (the machine may be shared).
// Run: `npm run bench:connection` (Node), `npx deno run -A scripts/bench-connection.ts`,
// `npx bun scripts/bench-connection.ts`. `--native-response` keeps the runtime's own Response class;
// `--only=get,pipeline,async,echo` picks cases (for a profiler: `node --cpu-prof --import tsx …`).
// Bounded: a fixed number of requests per case; prints and exits.
import { Connection, SYSTEM_CLOCK } from "../packages/core/src/connection.ts";
import type { ConnectionConfig } from "../packages/core/src/connection.ts";
import { resolveConnectionOptions, resolveLeniency, resolveLimits, resolveTimeouts } from "../packages/core/src/options.ts";
import type { Transport } from "../packages/core/src/ports.ts";
import { installWeftResponse } from "../packages/core/src/weft-response.ts";

const REQUESTS = 200_000;
const WARMUP = 50_000;
const REPEATS = 5;
const PIPELINED = 16;

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
if (!args.includes("--native-response")) installWeftResponse();

const encode = (text: string) => new TextEncoder().encode(text);
const GET = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n";
const POST = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: 64\r\n\r\n" + "x".repeat(64);
const HTML = "<!DOCTYPE html>\n<html><head><title>Hello!</title></head><body><h1>Hello!</h1><p>" + "x".repeat(100) + "</p></body></html>\n";
const htmlHeaders = { "content-type": "text/html; charset=utf-8" };

function app(request: Request): Response | Promise<Response> {
  const url = request.url;
  const path = url.slice(url.indexOf("/", 8));
  if (request.method === "GET" && path === "/") return new Response(HTML, { headers: htmlHeaders });
  if (request.method === "GET" && path === "/async") return Promise.resolve(new Response(HTML, { headers: htmlHeaders }));
  if (request.method === "POST" && path === "/echo") return request.arrayBuffer().then((body) => new Response(body));
  return new Response("not found\n", { status: 404 });
}

class CountingTransport implements Transport {
  remoteAddress = "127.0.0.1";
  remotePort = 40000;
  bytes = 0;
  writes = 0;
  write(data: Uint8Array): boolean {
    this.bytes += data.byteLength;
    this.writes++;
    return true;
  }
  pauseReading(): void {}
  resumeReading(): void {}
  end(): void {}
  destroy(): void {}
}

const config: ConnectionConfig = {
  fetch: app,
  limits: resolveLimits(),
  leniency: resolveLeniency(),
  timeouts: resolveTimeouts(),
  connection: resolveConnectionOptions(),
  fallbackHost: "127.0.0.1:8080",
  clock: SYSTEM_CLOCK,
  onHandlerError: (error) => {
    throw error;
  },
};

const transport = new CountingTransport();
const connection = new Connection(transport, config);

/** Feed `chunk` (holding `perChunk` requests) until `count` requests went in. A chunk not answered
 * synchronously gets microtask turns until its write (as a client waits for its response). */
async function drive(chunk: Uint8Array, perChunk: number, count: number): Promise<void> {
  for (let i = 0; i < count; i += perChunk) {
    const writes = transport.writes;
    connection.onData(chunk);
    while (transport.writes === writes) await null;
  }
}

async function bench(name: string, text: string, perChunk: number): Promise<void> {
  const chunk = encode(text);
  await drive(chunk, perChunk, WARMUP);
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const writes = transport.writes;
    const start = performance.now();
    await drive(chunk, perChunk, REQUESTS);
    const elapsed = performance.now() - start;
    if (transport.writes === writes) throw new Error(`${name}: nothing was written`);
    best = Math.min(best, elapsed);
  }
  console.log(`${name.padEnd(34)} ${((best * 1000) / REQUESTS).toFixed(2).padStart(6)} µs/request`);
}

const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";
console.log(`weft connection path on ${runtime} (${args.includes("--native-response") ? "native" : "weft"} Response), best of ${REPEATS} × ${REQUESTS.toLocaleString("en")} requests`);
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",") ?? ["get", "pipeline", "async", "echo"];
if (only.includes("get")) await bench("keep-alive GET /", GET, 1);
if (only.includes("pipeline")) await bench(`GET / pipelined ${PIPELINED} deep`, GET.repeat(PIPELINED), PIPELINED);
const ASYNC_GET = GET.replace("GET / ", "GET /async ");
if (only.includes("async")) await bench("keep-alive GET, async handler", ASYNC_GET, 1);
if (only.includes("async")) await bench(`the same pipelined ${PIPELINED} deep`, ASYNC_GET.repeat(PIPELINED), PIPELINED);
if (only.includes("echo")) await bench("POST /echo 64 B", POST, 1);
connection.destroy();
// Nothing else keeps the process alive, but the connection's idle timer would for keepAliveTimeout.
(globalThis as { Deno?: { exit(c: number): void } }).Deno?.exit(0);
(globalThis as { process?: { exit(c: number): void } }).process?.exit(0);
