// connection.ts driven through a fake Transport: bytes in, bytes out, no sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { enc, harness, settle, statuses } from "./connection-harness.ts";

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const echoPath = (request: Request) => new Response(new URL(request.url).pathname);

/** A promise with its resolve function outside. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test("keep-alive: two requests in turn on one connection, both answered, connection open", async () => {
  const h = harness(echoPath);
  h.connection.onData(enc(GET("/one")));
  await settle();
  h.connection.onData(enc(GET("/two")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 200]);
  assert.match(h.transport.text, /Content-Length: 4\r\n\r\n\/one[\s\S]*\/two$/);
  assert.equal(h.transport.ended, false);
  assert.equal(h.logs.length, 2);
  assert.equal(h.logs[0]!.target, "/one");
});

test("pipelining: responses in request order even when a later handler finishes first", async () => {
  const slow = deferred();
  const h = harness(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/slow") await slow.promise;
    return new Response(path);
  });
  h.connection.onData(enc(GET("/slow") + GET("/fast")));
  await settle();
  assert.equal(h.transport.text, "", "nothing written while the first response is pending");
  slow.resolve();
  await settle();
  assert.match(h.transport.text, /\/slow[\s\S]*\/fast$/);
});

test("pipelining: a burst parsed from one read is answered with one socket write", async () => {
  const h = harness(echoPath);
  h.connection.onData(enc(GET("/a") + GET("/b") + GET("/c") + GET("/d")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 200, 200, 200]);
  assert.equal(h.transport.writes.length, 1);
});

test("pipelining: at maxPipelinedRequests queued, reading pauses until responses go out", async () => {
  const gate = deferred();
  const h = harness(async () => (await gate.promise, new Response("ok")), { connection: { maxPipelinedRequests: 2 } });
  h.connection.onData(enc(GET("/1") + GET("/2") + GET("/3")));
  await settle();
  assert.equal(h.transport.readingPaused, true);
  gate.resolve();
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 200, 200], "the third request was parsed after resuming");
  assert.equal(h.transport.readingPaused, false);
});

test("handler throws or rejects: 500, and the connection stays usable", async () => {
  const h = harness((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/throw") throw new Error("boom");
    if (path === "/reject") return Promise.reject(new Error("boom"));
    if (path === "/not-a-response") return "nope" as unknown as Response;
    return new Response("ok");
  });
  h.connection.onData(enc(GET("/throw") + GET("/reject") + GET("/not-a-response") + GET("/fine")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [500, 500, 500, 200]);
  assert.doesNotMatch(h.transport.text, /Connection: close/);
  assert.equal(h.transport.ended, false);
  assert.equal(h.errors.length, 3);
});

test("handler returns a Response weft refuses to write (bad status): 500 instead, nothing of it on the wire", async () => {
  const headers = new Headers();
  const h = harness(() => {
    const response = new Response("x", { headers });
    // Out of 100..599: serializeFullResponse throws InvalidResponseError, the path header injection takes too.
    Object.defineProperty(response, "status", { value: 1000 });
    return response;
  });
  h.connection.onData(enc(GET("/")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [500]);
});

test("handler field weft refuses to write (a CTL WHATWG Headers lets through): 500, never written, connection usable", async () => {
  // Issue 2: a handler's invalid field "is refused with a clear error (the request gets a 500), never
  // written". Headers only refuses NUL, CR and LF; weft refuses every CTL (RFC 9110 §5.5). Both the
  // whole-body path and the streamed-body path must refuse it.
  const EVIL = "a\x01Set-Cookie: stolen=1";
  const h = harness((request) => {
    const headers = { "x-evil": EVIL };
    if (new URL(request.url).pathname === "/stream") {
      const body = new ReadableStream<Uint8Array>({ pull: (c) => (c.enqueue(enc("never sent")), c.close()) });
      return new Response(body, { headers });
    }
    if (new URL(request.url).pathname === "/fine") return new Response("fine");
    return new Response("never sent", { headers });
  });
  h.connection.onData(enc(GET("/whole") + GET("/stream") + GET("/fine")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [500, 500, 200]);
  assert.doesNotMatch(h.transport.text, /stolen|never sent|x-evil/i);
  assert.equal(h.transport.ended, false);
  assert.deepEqual(h.errors.map((e) => (e as Error).name), ["InvalidResponseError", "InvalidResponseError"]);
});

test("parse error: its status with Connection: close, after earlier pipelined responses, then end", async () => {
  const h = harness(echoPath);
  h.connection.onData(enc(GET("/ok") + "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n"));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 400]);
  assert.match(h.transport.text, /400 Bad Request\r\n[\s\S]*Connection: close\r\n/);
  assert.equal(h.transport.ended, true);
});

test("parse errors map to their statuses (version 505, long target 414, big head 431)", async () => {
  const cases: [string, number][] = [
    ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    [`GET /${"a".repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    [`GET / HTTP/1.1\r\nHost: x\r\nX: ${"a".repeat(300)}\r\n\r\n`, 431],
  ];
  for (const [raw, status] of cases) {
    const h = harness(echoPath, { limits: { maxRequestLineBytes: 100, maxHeaderBytes: 200 } });
    h.connection.onData(enc(raw));
    await settle();
    assert.deepEqual(statuses(h.transport.text), [status], raw.slice(0, 20));
    assert.equal(h.transport.ended, true);
  }
});

test("CONNECT: 501 and close (no tunnels)", async () => {
  const h = harness(echoPath);
  h.connection.onData(enc("CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n"));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [501]);
  assert.equal(h.transport.ended, true);
});

test("CONNECT with bytes behind it: nothing after the CONNECT head is parsed or dispatched", async () => {
  const seen: string[] = [];
  const h = harness((request) => (seen.push(new URL(request.url).pathname), new Response("x")));
  h.connection.onData(enc("CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n" + GET("/smuggled")));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [501]);
  assert.deepEqual(seen, []);
});

test("Upgrade offered (h2c): ignored, served as HTTP/1.1, connection stays", async () => {
  const h = harness(echoPath);
  h.connection.onData(enc("GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200]);
  assert.match(h.transport.text, /\/up$/);
  assert.equal(h.transport.ended, false);
});

test("HEAD: the head a GET would get, no body", async () => {
  const h = harness(() => new Response("hello"));
  h.connection.onData(enc("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + GET("/")));
  await settle();
  assert.match(h.transport.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 5\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/);
});

test("half-close: a request followed by FIN still gets its response, with Connection: close, then end", async () => {
  const gate = deferred();
  const h = harness(async () => (await gate.promise, new Response("late")));
  h.connection.onData(enc(GET("/")));
  h.connection.onEnd();
  await settle();
  assert.equal(h.transport.ended, false, "not ended before the response");
  gate.resolve();
  await settle();
  assert.match(h.transport.text, /Connection: close\r\n\r\nlate$/);
  assert.equal(h.transport.ended, true);
});

test("half-close in the middle of a request: 400 and end", async () => {
  const h = harness(echoPath);
  h.connection.onData(enc("GET / HTTP/1.1\r\nHost:"));
  h.connection.onEnd();
  await settle();
  assert.deepEqual(statuses(h.transport.text), [400]);
  assert.equal(h.transport.ended, true);
});

test("onClose while a handler runs: its late response is dropped, nothing written", async () => {
  const gate = deferred();
  const h = harness(async () => (await gate.promise, new Response("late")));
  h.connection.onData(enc(GET("/")));
  h.connection.onClose();
  gate.resolve();
  await settle();
  assert.equal(h.transport.text, "");
  assert.equal(h.closed, true);
});

test("access log: workerId names the pool worker behind a response, none for weft's own answers", async () => {
  const fromWorker = new Response("from worker 2");
  const h = harness((request) => (new URL(request.url).pathname === "/pool" ? fromWorker : new Response("inline")), {
    workerOf: (response) => (response === fromWorker ? 2 : undefined),
  });
  h.connection.onData(enc(GET("/pool") + GET("/inline") + "BAD\r\n\r\n"));
  await settle();
  assert.deepEqual(statuses(h.transport.text), [200, 200, 400]);
  assert.deepEqual(h.logs.map((entry) => [entry.target, entry.status, entry.workerId]), [
    ["/pool", 200, 2],
    ["/inline", 200, undefined],
    ["-", 400, undefined],
  ]);
});

test("submit (the pool's callback path): answers in any order go out in request order, those settled together as one write", async () => {
  const pending: [string, (response: Response) => void][] = [];
  const h = harness(() => assert.fail("fetch is not used when submit is set"), {
    submit: (request, _info, answer) => void pending.push([new URL(request.url).pathname, answer]),
  });
  h.connection.onData(enc(GET("/a") + GET("/b") + GET("/c")));
  await settle();
  assert.deepEqual(pending.map(([path]) => path), ["/a", "/b", "/c"]);
  const answer = (i: number) => pending[i]![1](new Response(pending[i]![0]));
  answer(2);
  answer(1);
  await settle();
  assert.equal(h.transport.writes.length, 0, "/a is not answered yet: nothing may go out");
  answer(0);
  await settle();
  assert.equal(h.transport.writes.length, 1, "the three answers, settled by then, as one write");
  assert.deepEqual([...h.transport.text.matchAll(/\r\n\r\n(\/[abc])/g)].map((m) => m[1]), ["/a", "/b", "/c"]);
  // An answer given before submit returns (the pool's own 503 while it closes) is taken as well.
  const h2 = harness(() => assert.fail("unused"), { submit: (_request, _info, answer) => answer(new Response("busy", { status: 503 })) });
  h2.connection.onData(enc(GET("/x")));
  await settle();
  assert.deepEqual(statuses(h2.transport.text), [503]);
});
