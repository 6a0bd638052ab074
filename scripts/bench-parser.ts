// Request-parser micro-benchmark (issue 2, issue 6): ns per request (fastest of several runs) for a
// typical keep-alive GET with a few fields, for 16 of them pipelined in one chunk, for a small
// Content-Length POST and a chunked one, and for the GET dribbled in 8-byte pieces (the buffered path).
// Run: `npm run bench:parser` (Node) — or `npx bun scripts/bench-parser.ts`,
// `npx deno run scripts/bench-parser.ts`. Bounded: a fixed number of iterations per case; prints and exits.
import { createParser } from "../packages/core/src/parser.ts";
import type { RequestHead } from "../packages/core/src/parser.ts";

const ITERATIONS = 200_000;
const WARMUP = 50_000;
/** Each case is timed this many times and the fastest run is printed: the machine may be shared. */
const REPEATS = 5;
const PIPELINED = 16;
const DRIBBLE_PIECE = 8;

const encode = (text: string) => new TextEncoder().encode(text);

const GET =
  "GET /api/v1/users/12345?fields=name,email HTTP/1.1\r\n" +
  "Host: 127.0.0.1:7878\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\n" +
  "Accept: application/json, text/plain, */*\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Accept-Language: en-US,en;q=0.9\r\n" +
  "Connection: keep-alive\r\n\r\n";
const POST = "POST /submit HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n" + '{"name":"weft!!"}';
const CHUNKED =
  "POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n";

let heads = 0;
let sink = 0;
const parser = createParser({
  onHead(head: RequestHead) {
    heads++;
    sink += head.fields.length;
  },
  onBody(chunk) {
    sink += chunk.length;
  },
  onEnd() {},
  onError(error) {
    throw new Error(`benchmark input refused: ${error.kind}`);
  },
});

function bench(name: string, chunks: Uint8Array[], requestsPerRound: number): void {
  const rounds = Math.max(1, Math.floor(ITERATIONS / requestsPerRound));
  const warm = Math.max(1, Math.floor(WARMUP / requestsPerRound));
  for (let i = 0; i < warm; i++) for (const c of chunks) parser.feed(c);
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const before = heads;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) for (const c of chunks) parser.feed(c);
    const ms = performance.now() - start;
    const parsed = heads - before;
    if (parsed !== rounds * requestsPerRound) throw new Error(`${name}: parsed ${parsed}, expected ${rounds * requestsPerRound}`);
    best = Math.min(best, (ms * 1e6) / parsed);
  }
  const ns = best;
  console.log(`${name.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/request   ${(1e3 / ns).toFixed(2).padStart(6)} M requests/s`);
}

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** A floor to compare with on a shared machine: one table lookup per byte of the GET head, no parsing. */
function baseline(): void {
  const head = encode(GET);
  const table = new Uint8Array(256).fill(1);
  let sum = 0;
  for (let i = 0; i < WARMUP; i++) for (let j = 0; j < head.length; j++) sum += table[head[j]!]!;
  let ns = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    for (let i = 0; i < ITERATIONS; i++) for (let j = 0; j < head.length; j++) sum += table[head[j]!]!;
    ns = Math.min(ns, ((performance.now() - start) * 1e6) / ITERATIONS);
  }
  sink += sum;
  console.log(`${"baseline: 1 table pass over GET".padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/request   (parsing costs a few of these)`);
}

console.log(`request parser, ${ITERATIONS} requests per case (GET head: ${GET.length} bytes, 6 fields)`);
baseline();
bench("GET, one chunk", [encode(GET)], 1);
bench(`GET x${PIPELINED} pipelined, one chunk`, [encode(GET.repeat(PIPELINED))], PIPELINED);
bench("POST Content-Length 17, one chunk", [encode(POST)], 1);
bench("POST chunked 2x8, one chunk", [encode(CHUNKED)], 1);
bench(`GET in ${DRIBBLE_PIECE}-byte pieces`, pieces(encode(GET), DRIBBLE_PIECE), 1);
if (sink < 0) console.log(sink); // keep the callbacks' work observable
