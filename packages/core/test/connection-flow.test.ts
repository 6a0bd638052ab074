// connection.ts: request bodies, response streaming, backpressure, timeouts, unread bodies, shutdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { enc, harness, settle, statuses } from "./connection-harness.ts";

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const POST = (path: string, length: number, extra = "") => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n${extra}\r\n`;
const echoBody = async (request: Request) => new Response(await request.text());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test("request body: streamed to the handler as it arrives (Content-Length and chunked)", async () => {
  let seen: string[] = [];
  const h = harness(async (request) => {
    seen = [];
    const reader = request.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen.push(decoder.decode(value));
    }
    return new Response(seen.join("|"));
  });
  h.connection.onData(enc(POST("/", 6) + "abc"));
  await settle();
  assert.deepEqual(seen, ["abc"], "the first piece reached the handler before the rest was sent");
  const first = seen;
  h.connection.onData(enc("def"));
  await settle();
  h.connection.onData(enc("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"));
  await settle();
  assert.deepEqual(first, ["abc", "def"]);
  assert.equal(h.transport.readingPaused, false);
  assert.match(h.transport.text, /\r\n\r\nabc\|def[\s\S]*\r\n\r\nxyz$/);
});

test("request body: the handler's copy survives the adapter reusing its read buffer", async () => {
  const h = harness(echoBody);
  const buffer = enc(POST("/", 4) + "good");
  h.connection.onData(buffer);
  buffer.fill(0x21); // the adapter reuses its buffer for the next read
  await settle();
  assert.match(h.transport.text, /\r\n\r\ngood$/);
});

test("request body: copies own their memory even when the adapter lends a Buffer-like subclass", async () => {
  // Node's Buffer#slice returns a view of the same memory (and subarray keeps the subclass); such a chunk
  // must not reach the handler as its "copy".
  class ViewSlicing extends Uint8Array<ArrayBuffer> {
    override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
      return this.subarray(start, end);
    }
  }
  const chunks: Uint8Array[] = [];
  const h = harness(async (request) => {
    for await (const chunk of request.body!) chunks.push(chunk);
    return new Response("ok");
  });
  const raw = enc(POST("/", 4) + "good");
  const lent = new ViewSlicing(new ArrayBuffer(raw.byteLength));
  lent.set(raw);
  h.connection.onData(lent);
  lent.fill(0x21);
  await settle();
  assert.equal(new TextDecoder().decode(chunks[0]), "good");
  assert.equal(chunks[0]!.buffer === lent.buffer, false);
});

test("request body backpressure: reading pauses while the handler does not read, resumes when it does", async () => {
  const start = deferred();
  const h = harness(async (request) => (await start.promise, new Response(String((await request.arrayBuffer()).byteLength))), {
    connection: { highWaterMark: 1024 },
  });
  h.connection.onData(enc(POST("/", 4096)));
  h.connection.onData(new Uint8Array(2048));
  await settle();
  assert.equal(h.transport.readingPaused, true);
  start.resolve();
  await settle();
  assert.equal(h.transport.readingPaused, false);
  h.connection.onData(new Uint8Array(2048));
  await settle();
  assert.match(h.transport.text, /\r\n\r\n4096$/);
});

test("GET with a body: the handler sees no body, the bytes are discarded, next request answered", async () => {
  const h = harness(async (request) => new Response(String(request.body === null)));
  h.connection.onData(enc("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + GET("/next")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 200]);
  assert.match(h.transport.text, /\r\n\r\ntrue[\s\S]*\r\n\r\ntrue$/);
});

test("unread body within maxDiscardBodyBytes: discarded, the connection stays for the next request", async () => {
  const h = harness(() => new Response("early"), { connection: { maxDiscardBodyBytes: 100 } });
  h.connection.onData(enc(POST("/", 50)));
  await settle();
  assert.match(h.transport.text, /early$/);
  h.connection.onData(enc("x".repeat(50) + GET("/next")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 200]);
  assert.equal(h.transport.ended, false);
});

test("unread body above maxDiscardBodyBytes: closed after the response", async () => {
  const h = harness(() => new Response("early"), { connection: { maxDiscardBodyBytes: 100 } });
  h.connection.onData(enc(POST("/", 5000)));
  await settle();
  assert.match(h.transport.text, /early$/);
  assert.equal(h.transport.ended, true);
});

test("Expect: 100-continue: 100 Continue when the handler reads the body, then the response", async () => {
  const h = harness(echoBody);
  h.connection.onData(enc(POST("/", 2, "Expect: 100-continue\r\n")));
  await settle();
  assert.equal(h.transport.text, "HTTP/1.1 100 Continue\r\n\r\n");
  h.connection.onData(enc("hi"));
  await settle();
  assert.match(h.transport.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhi$/);
  assert.equal(h.transport.readingPaused, false, "reading resumed for the next request");
  assert.equal(h.transport.ended, false);
});

test("Expect: 100-continue answered without reading the body: no 100, Connection: close", async () => {
  const h = harness(() => new Response("no thanks", { status: 413 }));
  h.connection.onData(enc(POST("/", 1000, "Expect: 100-continue\r\n")));
  await settle();
  assert.doesNotMatch(h.transport.text, /100 Continue/);
  assert.match(h.transport.text, /^HTTP\/1\.1 413 [\s\S]*Connection: close\r\n/);
  assert.equal(h.transport.ended, true);
});

test("streaming response: chunked as produced; write backpressure stops pulling until drain", async () => {
  let pulls = 0;
  const h = harness(() => new Response(new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (pulls > 5) controller.close();
      else controller.enqueue(enc(`part${pulls};`));
    },
  }, { highWaterMark: 0 })), { connection: { highWaterMark: 4 } });
  h.transport.acceptWrites = false; // the socket buffer is full after each write
  h.connection.onData(enc(GET("/")));
  await settle();
  const before = pulls;
  assert.ok(before < 5, `pulled ${before} times without a drain`);
  assert.equal(h.transport.readingPaused, true);
  h.transport.acceptWrites = true;
  h.connection.onDrain();
  await settle();
  assert.match(h.transport.text, /Transfer-Encoding: chunked\r\n[\s\S]*part1;\r\n[\s\S]*part5;\r\n0\r\n\r\n$/);
  assert.equal(h.transport.readingPaused, false);
});

test("buffered responses behind a blocked write: the later answer waits for drain, then goes out in order", async () => {
  const late = deferred();
  const h = harness(async (request) => {
    if (request.url.endsWith("/b")) await late.promise;
    return new Response(request.url.endsWith("/b") ? "second" : "first");
  });
  h.transport.acceptWrites = false; // the socket buffer fills with the first response
  h.connection.onData(enc(GET("/a") + GET("/b") + GET("/c")));
  await settle();
  assert.match(h.transport.text, /\r\n\r\nfirst$/, "the first answer was written");
  assert.equal(h.transport.readingPaused, true, "a blocked socket pauses reading");
  late.resolve();
  await settle();
  // /b goes out as soon as it is ready; /c waits for the drain (a blocked socket takes no more).
  assert.match(h.transport.text, /\r\n\r\nsecond$/);
  assert.deepEqual(statuses(h.transport.text), [200, 200], "nothing past /b before the drain");
  h.transport.acceptWrites = true;
  h.connection.onDrain();
  await settle();
  assert.match(h.transport.text, /\r\n\r\nfirst[\s\S]*\r\n\r\nsecond[\s\S]*\r\n\r\nfirst$/, "all three, in order");
  assert.equal(h.transport.readingPaused, false, "reading resumed after the drain");
  assert.equal(h.transport.ended, false);
  assert.deepEqual(statuses(h.transport.text), [200, 200, 200]);
});

test("streaming response fails mid-way: no last chunk (the client sees truncation), then close", async () => {
  const h = harness(() => {
    let step = 0;
    return new Response(new ReadableStream<Uint8Array>({
    async pull(controller) {
      step++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (step === 1) controller.enqueue(enc("partial"));
      else controller.error(new Error("producer died"));
    },
  }, { highWaterMark: 0 }));
  });
  h.connection.onData(enc(GET("/") + GET("/after")));
  await sleep(30);
  await settle();
  assert.match(h.transport.text, /7\r\npartial\r\n$/);
  assert.doesNotMatch(h.transport.text, /0\r\n\r\n$/);
  assert.equal(h.transport.ended, true);
});

test("HTTP/1.0 streaming response: raw bytes, then close (no chunked coding for 1.0)", async () => {
  const h = harness(() => new Response(new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      controller.enqueue(enc("raw"));
      controller.close();
    },
  })));
  h.connection.onData(enc("GET / HTTP/1.0\r\n\r\n"));
  await sleep(30);
  await settle();
  assert.match(h.transport.text, /Connection: close\r\n\r\nraw$/);
  assert.doesNotMatch(h.transport.text, /chunked/);
  assert.equal(h.transport.ended, true);
});

test("headersTimeout: a head that never completes gets 408 and close", async () => {
  const h = harness(() => new Response("x"), { timeouts: { headersTimeout: 1000 } });
  h.connection.onData(enc("GET / HTTP/1.1\r\nHo"));
  h.clock.advance(999);
  await settle();
  assert.equal(h.transport.text, "");
  h.connection.onData(enc("st: x\r\nX-Slow: y")); // trickling does not extend the deadline
  h.clock.advance(1);
  await settle();
  assert.deepEqual(statuses(h.transport.text), [408]);
  assert.equal(h.transport.ended, true);
});

test("keepAliveTimeout: an idle connection closes quietly, and activity restarts the wait", async () => {
  const h = harness(() => new Response("x"), { timeouts: { keepAliveTimeout: 500 } });
  h.connection.onData(enc(GET("/")));
  await settle();
  h.clock.advance(400);
  h.connection.onData(enc(GET("/")));
  await settle();
  h.clock.advance(400);
  assert.equal(h.transport.ended, false, "the second request restarted the idle wait");
  h.clock.advance(100);
  assert.equal(h.transport.ended, true);
  assert.deepEqual(statuses(h.transport.text), [200, 200], "no bytes for the idle close");
});

test("bodyTimeout: a body that stalls gets 408 and close", async () => {
  const h = harness(echoBody, { timeouts: { bodyTimeout: 300 } });
  h.connection.onData(enc(POST("/", 10) + "abc"));
  await settle();
  h.clock.advance(200);
  h.connection.onData(enc("de")); // progress restarts the gap
  await settle();
  h.clock.advance(200);
  assert.equal(h.transport.text, "");
  h.clock.advance(100);
  await settle();
  assert.deepEqual(statuses(h.transport.text), [408]);
  assert.equal(h.transport.ended, true);
});

test("writeTimeout: a client that stops reading is destroyed", async () => {
  const h = harness(() => new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1024)) })), { timeouts: { writeTimeout: 700 } });
  h.transport.acceptWrites = false;
  h.connection.onData(enc(GET("/")));
  await settle();
  h.clock.advance(699);
  assert.equal(h.transport.destroyed, false);
  h.clock.advance(1);
  assert.equal(h.transport.destroyed, true);
  h.connection.onClose();
  await settle();
});

test("one timer per connection: events re-arm it without piling up timers", async () => {
  const h = harness(() => new Response("x"));
  for (let i = 0; i < 20; i++) {
    h.connection.onData(enc(GET("/")));
    await settle(5);
  }
  assert.ok(h.clock.pending <= 1, `${h.clock.pending} timers pending`);
});

test("shutdown: an idle connection ends at once; a busy one answers with Connection: close, then ends", async () => {
  const idle = harness(() => new Response("x"));
  idle.connection.onData(enc(GET("/")));
  await settle();
  idle.connection.shutdown();
  assert.equal(idle.transport.ended, true);

  const gate = deferred();
  const busy = harness(async () => (await gate.promise, new Response("done")));
  busy.connection.onData(enc(GET("/")));
  await settle();
  busy.connection.shutdown();
  assert.equal(busy.transport.ended, false);
  gate.resolve();
  await settle();
  assert.match(busy.transport.text, /Connection: close\r\n\r\ndone$/);
  assert.equal(busy.transport.ended, true);
});
