// Response-writer micro-benchmark (issue 2 / issue 6): ns per serialized response for the common cases,
// plus the two ways of turning the head string into bytes, which is why response.ts uses encodeInto for
// ASCII heads. Not a test: numbers depend on the machine. Bounded: fixed iteration counts, then exits.
// Run: `node --import tsx scripts/bench-response.ts` (or `npx bun …`, `npx deno run …`).
import { encodeChunk, serializeHead, serializeResponse, type HeadInput } from "../packages/core/src/response.ts";

const ITERATIONS = 500_000;
const WARMUP = 100_000;

function bench(name: string, run: () => number): void {
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += run();
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) sink += run();
  const ns = ((performance.now() - start) * 1e6) / ITERATIONS;
  if (sink <= 0) throw new Error("benchmark produced nothing");
  console.log(`${name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns`);
}

const body = new TextEncoder().encode("Hello, World!");
const plain = new Headers({ "content-type": "text/plain; charset=utf-8" });
const typical = new Headers({
  "content-type": "application/json",
  "cache-control": "no-store",
  "x-request-id": "7f3e2a9c-51b4-4d0e-9a55-0f9f7c1d2e3b",
  vary: "accept-encoding",
});
typical.append("set-cookie", "session=abc; Path=/; HttpOnly");
const pairs: [string, string][] = [["Content-Type", "text/plain; charset=utf-8"]];

const input = (headers: HeadInput["headers"], over: Partial<HeadInput> = {}): HeadInput => ({
  status: 200, headers, requestMethod: "GET", requestVersionMinor: 1, keepAlive: true, bodyLength: body.length, ...over,
});

bench("serializeResponse 200, 1 field (Headers), 13 B body", () => serializeResponse(input(plain), body).length);
bench("serializeResponse 200, 1 field (pairs), 13 B body", () => serializeResponse(input(pairs), body).length);
bench("serializeResponse 200, 5 fields + Set-Cookie", () => serializeResponse(input(typical), body).length);
bench("serializeResponse 404, no fields, empty body", () => serializeResponse(input(new Headers(), { status: 404 }), null).length);
bench("serializeHead 200 chunked, 1 field", () => serializeHead(input(plain, { bodyLength: null })).bytes.length);
bench("serializeHead HTTP/1.0 keep-alive, 1 field", () => serializeHead(input(plain, { requestVersionMinor: 0 })).bytes.length);
bench("encodeChunk 1 KiB", () => encodeChunk(new Uint8Array(1024)).length);

// The two choices in response.ts, in isolation on a typical head: where the bytes come from (a fresh
// Uint8Array vs a view into a shared slab) and how the string becomes bytes (encodeInto vs a loop).
const head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\nDate: Sun, 22 Nov 2026 05:00:00 GMT\r\nContent-Length: 13\r\n\r\n";
const encoder = new TextEncoder();
const SLAB = 64 * 1024;
let slab = new Uint8Array(SLAB);
let offset = 0;
const take = (n: number): Uint8Array => {
  if (offset + n > SLAB) {
    slab = new Uint8Array(SLAB);
    offset = 0;
  }
  const view = slab.subarray(offset, offset + n);
  offset += n;
  return view;
};
bench("  fresh Uint8Array + encodeInto", () => encoder.encodeInto(head, new Uint8Array(head.length)).written);
bench("  TextEncoder.encode", () => encoder.encode(head).length);
bench("  slab view + encodeInto (response.ts)", () => encoder.encodeInto(head, take(head.length)).written);
bench("  slab view + charCodeAt loop", () => {
  const out = take(head.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  return out.length;
});
