// A streamed body with a handler-declared Content-Length (what serveStatic returns for a file) goes out
// length-framed, not chunked, and a handler whose stream disagrees with its own length cannot
// desynchronise the connection: weft closes it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "../src/index.ts";
import { header, rawRequest } from "./fixtures/raw.ts";

const encoder = new TextEncoder();
/** A body that is clearly a live stream: each chunk arrives after a timer, never "already there". */
function slowStream(parts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (i < parts.length) controller.enqueue(encoder.encode(parts[i++]));
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

let server: Awaited<ReturnType<typeof serve>>;
before(async () => {
  server = await serve({
    port: 0,
    fetch: (request) => {
      const path = new URL(request.url).pathname;
      const declared = { "/exact": "10", "/short": "20", "/long": "4" }[path] ?? "10";
      return new Response(slowStream(["hello", "world"]), { headers: { "content-length": declared } });
    },
  });
});
after(() => server.close());

const twoRequests = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

test("a streamed body with Content-Length is sent length-framed, and the connection stays usable", async () => {
  const res = await rawRequest(server.port, twoRequests("/exact"));
  assert.equal(header(res, "content-length"), "10");
  assert.equal(header(res, "transfer-encoding"), null);
  // Both pipelined responses arrived on the one connection.
  assert.equal(res.body.split("HTTP/1.1 200").length, 2, res.body);
  assert.ok(res.body.startsWith("helloworld"));
});

test("HTTP/1.0 gets the same length-framed body", async () => {
  const res = await rawRequest(server.port, "GET /exact HTTP/1.0\r\nHost: x\r\n\r\n");
  assert.equal(header(res, "content-length"), "10");
  assert.equal(res.body, "helloworld");
});

test("a body shorter than its Content-Length closes the connection (no second response)", async () => {
  const res = await rawRequest(server.port, twoRequests("/short"));
  assert.equal(header(res, "content-length"), "20");
  assert.equal(res.body, "helloworld", "only the bytes there were, then close");
});

test("a body longer than its Content-Length is cut at the length and the connection closes", async () => {
  const res = await rawRequest(server.port, twoRequests("/long"));
  assert.equal(header(res, "content-length"), "4");
  assert.equal(res.body, "hell", "nothing past the declared length reaches the client");
});
