// The fast lane (connection.ts answerRepeated): a request that repeats the connection's last one exactly
// is answered without the queue and the response loop. It must answer exactly as the ordinary path does.
// The oracle: the same request as the FIRST on a fresh connection, where no parser has seen it, so the
// ordinary path answers it. The lane's side sends the request once (answered `ok`), then again, with the
// case's handler. The fake clock stands still, so even the Date fields agree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WeftResponse } from "../src/weft-response.ts";
import type { FetchHandler } from "../src/types.ts";
import { enc, harness, settle } from "./connection-harness.ts";
import type { Harness } from "./connection-harness.ts";

const GET = "GET /lane HTTP/1.1\r\nHost: x\r\n\r\n";

/** weft's own Response (what adapters install as the global): its simple responses are what the lane writes. */
const weft = (body: string | null, init?: ResponseInit): Response => new WeftResponse(body, init) as unknown as Response;
const ok = (): Response => weft("hello\n", { headers: { "content-type": "text/plain" } });

type Options = Parameters<typeof harness>[1];

/** What a case leaves behind on its connection, from `from` on (writes and logs before are not its). */
function outcome(h: Harness, from: { writes: number; logs: number }) {
  const decoder = new TextDecoder();
  return {
    text: h.transport.writes.slice(from.writes).map((w) => decoder.decode(w)).join(""),
    logs: h.logs.slice(from.logs),
    errors: h.errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))),
    ended: h.transport.ended,
    destroyed: h.transport.destroyed,
    readingPaused: h.transport.readingPaused,
  };
}

/** `answer(h)` is the case's handler for harness `h`; run it ordinarily and in the lane, and compare.
 * `answered`: whether the ordinary path writes anything at all. */
async function sameBothWays(request: string, answer: (h: Harness) => FetchHandler, options?: Options, answered = true) {
  const ordinary: Harness = harness((req, info) => answer(ordinary)(req, info), options);
  ordinary.connection.onData(enc(request));
  await settle();

  let calls = 0;
  const lane: Harness = harness((req, info) => (calls++ === 0 ? ok() : answer(lane)(req, info)), options);
  lane.connection.onData(enc(request));
  await settle();
  assert.equal(lane.transport.ended, false, "the warm-up request keeps the connection");
  const from = { writes: lane.transport.writes.length, logs: lane.logs.length };
  lane.connection.onData(enc(request));
  await settle();

  assert.equal(calls, 2);
  const expected = outcome(ordinary, { writes: 0, logs: 0 });
  const actual = outcome(lane, from);
  assert.equal(expected.text.length > 0, answered, "whether the ordinary path answered");
  assert.deepEqual(actual, expected);
  return actual;
}

test("a repeated request is answered in the lane: no per-request Work while its handler runs, the same bytes and log entry as the first", async () => {
  let h: Harness;
  const workDuringHandler: unknown[] = [];
  h = harness(() => {
    workDuringHandler.push((h.connection as unknown as { work: unknown }).work);
    return ok();
  });
  for (let i = 0; i < 3; i++) h.connection.onData(enc(GET));
  await settle();
  assert.equal(workDuringHandler[0] === null, false, "the first request goes the ordinary way (with a Work)");
  assert.deepEqual(workDuringHandler.slice(1), [null, null], "the repeats go through the lane");
  const [first, ...rest] = h.transport.writes.map((w) => new TextDecoder().decode(w));
  assert.match(first!, /^HTTP\/1\.1 200 OK\r\n/);
  assert.deepEqual(rest, [first, first]);
  assert.equal(h.logs.length, 3);
  assert.deepEqual(h.logs[1], h.logs[0]);
  assert.deepEqual(h.logs[2], h.logs[0]);
  assert.deepEqual(h.errors, []);
});

test("the lane answers as the ordinary path: a simple response, HEAD, an HTTP/1.0 keep-alive request", async () => {
  await sameBothWays(GET, () => () => ok());
  await sameBothWays("HEAD /lane HTTP/1.1\r\nHost: x\r\n\r\n", () => () => ok());
  await sameBothWays("GET /lane HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", () => () => ok());
  await sameBothWays(GET, () => () => weft(null, { status: 204 }));
  await sameBothWays(GET, () => () => weft("made\n", { status: 201, headers: [["X-A", "1"], ["x-b", "2"]] }));
});

test("the lane hands every other outcome to the ordinary path, with the same answer", async () => {
  await sameBothWays(GET, () => () => {
    throw new Error("handler broke");
  });
  await sameBothWays(GET, () => () => Promise.resolve(ok()));
  await sameBothWays(GET, () => () => Promise.reject(new Error("rejected")));
  await sameBothWays(GET, () => () => new Response("native\n")); // the runtime's own Response: collected
  await sameBothWays(GET, () => () => null as unknown as Response);
  await sameBothWays(GET, () => () => weft("bye\n", { headers: { connection: "close" } }));
  // A value the Fetch standard lets through and weft's writer refuses (a control character): 500.
  await sameBothWays(GET, () => () => weft("x\n", { headers: { "x-bad": "a\u0001b" } }));
  const result = await sameBothWays(GET, () => () => weft("x\n", { headers: { "x-bad": "a\u0001b" } }));
  assert.match(result.text, /^HTTP\/1\.1 500 /);
  // The status is read from the Response, as for any other: one out of range is refused too.
  const outOfRange = await sameBothWays(GET, () => () => Object.defineProperty(ok(), "status", { value: 1000 }));
  assert.match(outOfRange.text, /^HTTP\/1\.1 500 /);
  // An async answer while only one request may be in progress: reading pauses as it would.
  await sameBothWays(GET, () => () => Promise.resolve(ok()), { connection: { maxPipelinedRequests: 1 } });
});

test("a shutdown or a close from inside the handler is seen: the answer says Connection: close, or nothing is written", async () => {
  const shut = await sameBothWays(GET, (h) => () => {
    h.connection.shutdown();
    return ok();
  });
  assert.match(shut.text, /\r\nconnection: close\r\n/i);
  assert.equal(shut.ended, true);
  await sameBothWays(GET, (h) => () => {
    h.connection.onClose();
    return ok();
  }, undefined, false);
});

test("after a lane answer the keep-alive timer starts afresh", async () => {
  const h = harness(() => ok(), { timeouts: { keepAliveTimeout: 1_000 } });
  h.connection.onData(enc(GET));
  h.clock.advance(900);
  h.connection.onData(enc(GET)); // the lane
  h.clock.advance(900);
  assert.equal(h.transport.ended, false, "1,800 ms after the first request, 900 after the second");
  h.clock.advance(200);
  assert.equal(h.transport.ended, true, "1,100 ms after the second");
  assert.equal(h.transport.writes.length, 2);
});

test("a lane answer the socket will not take pauses reading until it drains, and the write timeout runs", async () => {
  const h = harness(() => ok(), { timeouts: { writeTimeout: 500, keepAliveTimeout: 60_000 } });
  h.connection.onData(enc(GET));
  h.transport.acceptWrites = false;
  h.connection.onData(enc(GET)); // the lane, into a full socket
  assert.equal(h.transport.writes.length, 2);
  assert.equal(h.transport.readingPaused, true);
  h.transport.acceptWrites = true;
  h.connection.onDrain();
  assert.equal(h.transport.readingPaused, false);
  h.connection.onData(enc(GET));
  assert.equal(h.transport.writes.length, 3);

  h.transport.acceptWrites = false;
  h.connection.onData(enc(GET));
  h.clock.advance(600);
  assert.equal(h.transport.destroyed, true, "never drained: destroyed after writeTimeout");
  await settle();
});

test("with one request in progress allowed (maxPipelinedRequests 1), a repeat goes the ordinary way, which pauses reading until it is answered", async () => {
  let calls = 0;
  const h: Harness = harness(() => {
    // A parser remembering this request is spare (the first was answered with the default limit).
    if (calls++ === 1) assert.notEqual((h.connection as unknown as { work: unknown }).work, null, "not the lane");
    return calls === 1 ? ok() : Promise.resolve(ok());
  });
  h.connection.onData(enc(GET));
  (h.connection as unknown as { config: { connection: { maxPipelinedRequests: number } } }).config.connection.maxPipelinedRequests = 1;
  h.connection.onData(enc(GET));
  assert.equal(h.transport.readingPaused, true, "paused while the answer is pending");
  await settle();
  assert.equal(h.transport.readingPaused, false);
  assert.equal(h.transport.writes.length, 2);
  assert.equal(calls, 2);
});
