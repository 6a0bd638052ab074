// Keep-alive, pipelining, half-close, clients that vanish, many connections, slow readers.

import * as assert from "node:assert/strict";
import { bigBody, HOME_HTML } from "../fixture/app.ts";
import { BIG_BYTES, FIXTURE_CONNECTION, FIXTURE_TIMEOUTS } from "../fixture/config.ts";
import { check, chunk, chunkedRequest, expectClosed, expectUsable, get, head, HOST, withBody } from "./helpers.ts";
import type { Case, CaseContext } from "./types.ts";

const KEEP = "keep-alive";
const PIPE = "pipelining";
const HALF = "half-close";
const ABORT = "client abort";
const LOAD = "concurrency";

/** Native servers drop a response that is not ready when the client half-closes (NOTES.md). */
const HALF_CLOSE_GAPS = {
  node: "node:http (no allowHalfOpen) drops a late response after the client's FIN",
  deno: "Deno.serve drops a late response after the client's FIN",
  bun: "Bun.serve drops a late response after the client's FIN (no allowHalfOpen)",
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seqOf = (response: { text(): string }) => (JSON.parse(response.text()) as { xSeq: string }).xSeq;

/** Send `raw` requests as one write (or `splitBy` pieces) and check `n` responses come back in order. */
async function pipelined(ctx: CaseContext, n: number, options: { splitBy?: number; gapMs?: number } = {}): Promise<void> {
  const conn = await ctx.connect();
  let raw = "";
  for (let i = 0; i < n; i++) raw += get(`/headers?i=${i}`, `X-Seq: ${i}`);
  if (options.splitBy) await conn.writeSlowly(raw, options.splitBy, options.gapMs ?? 1);
  else await conn.write(raw);
  const responses = await conn.readMany(n, { timeoutMs: 8_000 });
  responses.forEach((response, i) => {
    check(response, { status: 200 }, `response ${i}`);
    assert.equal(seqOf(response), String(i), `response ${i} out of order`);
  });
  await expectUsable(conn);
}

export const keepAliveCases: Case[] = [
  {
    group: KEEP,
    name: "HTTP/1.1 keeps the connection by default (two requests, one connection)",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/"));
      check(await conn.read(), { status: 200, body: HOME_HTML });
      await expectUsable(conn);
    },
  },
  {
    group: KEEP,
    name: "HTTP/1.1 Connection: close → response says close, then FIN",
    gaps: { bun: "Bun.serve closes without saying Connection: close (a SHOULD, RFC 9112 §9.6)" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/", "Connection: close"));
      check(await conn.read(), { status: 200, headers: { connection: /^close$/i }, body: HOME_HTML });
      await expectClosed(conn);
    },
  },
  {
    group: KEEP,
    name: "Connection: CLOSE (any case) is honoured",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/", "Connection: CLOSE"));
      check(await conn.read(), { status: 200 });
      await expectClosed(conn);
    },
  },
  {
    group: KEEP,
    name: "Connection list containing close is honoured",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/", "Connection: keep-alive, close"));
      check(await conn.read(), { status: 200 });
      await expectClosed(conn);
    },
  },
  {
    group: KEEP,
    name: "HTTP/1.0 without keep-alive → close after the response",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(head("GET / HTTP/1.0", `Host: ${HOST}`));
      check(await conn.read(), { status: 200, body: HOME_HTML });
      await expectClosed(conn);
    },
  },
  {
    group: KEEP,
    name: "HTTP/1.0 with Connection: keep-alive → kept, response says keep-alive",
    run: async (ctx) => {
      const conn = await ctx.connect();
      const request = head("GET / HTTP/1.0", `Host: ${HOST}`, "Connection: keep-alive");
      await conn.write(request);
      check(await conn.read(), { status: 200, headers: { connection: /^keep-alive$/i }, body: HOME_HTML });
      await conn.write(request);
      check(await conn.read(), { status: 200, body: HOME_HTML }, "second");
    },
  },
  {
    group: KEEP,
    name: "Connection: close on the third request of a keep-alive connection",
    run: async (ctx) => {
      const conn = await ctx.connect();
      for (let i = 0; i < 2; i++) {
        await conn.write(get("/"));
        check(await conn.read(), { status: 200 }, `request ${i}`);
      }
      await conn.write(get("/", "Connection: close"));
      check(await conn.read(), { status: 200, headers: { connection: /^close$/i } });
      await expectClosed(conn);
    },
  },
  {
    group: KEEP,
    name: "20 sequential requests on one connection",
    run: async (ctx) => {
      const conn = await ctx.connect();
      for (let i = 0; i < 20; i++) {
        await conn.write(get(`/headers?i=${i}`, `X-Seq: ${i}`));
        const response = await conn.read();
        check(response, { status: 200 }, `request ${i}`);
        assert.equal(seqOf(response), String(i));
      }
    },
  },
  {
    group: KEEP,
    name: "a request after an idle pause shorter than keepAliveTimeout is served",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/"));
      check(await conn.read(), { status: 200 });
      await sleep(FIXTURE_TIMEOUTS.keepAliveTimeout / 3);
      await expectUsable(conn, "after pause");
    },
  },
];

export const pipelineCases: Case[] = [
  { group: PIPE, name: "10 pipelined GETs in one write → 10 responses in order", run: (ctx) => pipelined(ctx, 10) },
  { group: PIPE, name: "5 pipelined GETs written one byte at a time → in order", run: (ctx) => pipelined(ctx, 5, { splitBy: 1, gapMs: 0 }) },
  { group: PIPE, name: "10 pipelined GETs split every 7 bytes → in order", run: (ctx) => pipelined(ctx, 10, { splitBy: 7 }) },
  {
    group: PIPE,
    name: "slow first + fast second request → responses in request order",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/slow?ms=200") + get("/slow?ms=0"));
      const [first, second] = await conn.readMany(2);
      check(first!, { status: 200, body: "slow 200\n" }, "first");
      check(second!, { status: 200, body: "slow 0\n" }, "second");
    },
  },
  {
    group: PIPE,
    name: "pipelined POST with a Content-Length body, then GET",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(withBody("POST", "/echo", "ping GET / HTTP/1.1\r\n\r\n") + get("/"));
      const [echo, home] = await conn.readMany(2);
      check(echo!, { status: 200, body: "ping GET / HTTP/1.1\r\n\r\n" }, "echo");
      check(home!, { status: 200, body: HOME_HTML }, "home");
    },
  },
  {
    group: PIPE,
    name: "pipelined chunked POST with trailers, then GET",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(chunkedRequest("/echo", "3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n") + get("/"));
      const [echo, home] = await conn.readMany(2);
      check(echo!, { status: 200, body: "abc" }, "echo");
      check(home!, { status: 200, body: HOME_HTML }, "home");
    },
  },
  {
    group: PIPE,
    name: "GET, HEAD, 404 pipelined → right bodies on each",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/") + head("HEAD / HTTP/1.1", `Host: ${HOST}`) + get("/nope"));
      const [a, b, c] = await conn.readMany(3, { heads: [false, true, false] });
      check(a!, { status: 200, body: HOME_HTML }, "GET");
      check(b!, { status: 200, body: "" }, "HEAD");
      check(c!, { status: 404 }, "404");
    },
  },
  {
    group: PIPE,
    name: "requests pipelined after Connection: close are not answered",
    gaps: { node: "node:http answers 400 to bytes after a Connection: close request, before its response" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/", "Connection: close") + get("/nope"));
      check(await conn.read(), { status: 200, body: HOME_HTML });
      await expectClosed(conn);
    },
  },
  {
    group: PIPE,
    name: "valid GET then a malformed request → 200, then 400 and close",
    gaps: { node: "node:http answers the later parse error before the earlier request" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/") + "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
      check(await conn.read(), { status: 200, body: HOME_HTML }, "first");
      check(await conn.read(), { status: 400, headers: { connection: /close/i } }, "second");
      await expectClosed(conn);
    },
  },
  {
    group: PIPE,
    name: "pipelined handler failures do not disturb order (throw, ok, reject, ok)",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/throw") + get("/slow?ms=10") + get("/reject") + get("/"));
      const statuses = (await conn.readMany(4)).map((r) => r.status);
      assert.deepEqual(statuses, [500, 200, 500, 200]);
    },
  },
  {
    group: PIPE,
    name: "5 × /big pipelined to a reader that waits → all complete and in order",
    run: async (ctx) => {
      const conn = await ctx.connect();
      conn.pause();
      await conn.write(get("/big").repeat(5));
      await sleep(300);
      conn.resume();
      const big = bigBody();
      for (const [i, response] of (await conn.readMany(5, { timeoutMs: 10_000 })).entries()) check(response, { status: 200, body: big }, `response ${i}`);
    },
  },
];

export const halfCloseCases: Case[] = [
  {
    group: HALF,
    name: "GET then client FIN → full response, then close",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/"));
      conn.shutdownWrite();
      check(await conn.read(), { status: 200, body: HOME_HTML });
      await expectClosed(conn);
    },
  },
  {
    group: HALF,
    name: "slow handler then client FIN → the late response still arrives",
    gaps: HALF_CLOSE_GAPS,
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/slow?ms=150"));
      conn.shutdownWrite();
      check(await conn.read(), { status: 200, body: "slow 150\n" });
      await expectClosed(conn);
    },
  },
  {
    group: HALF,
    name: "POST /echo with body then client FIN → echoed",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(withBody("POST", "/echo", "half-closed body"));
      conn.shutdownWrite();
      check(await conn.read(), { status: 200, body: "half-closed body" });
      await expectClosed(conn);
    },
  },
  {
    group: HALF,
    name: "3 pipelined requests then client FIN → all 3 responses",
    gaps: HALF_CLOSE_GAPS,
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/slow?ms=50") + get("/") + get("/nope"));
      conn.shutdownWrite();
      assert.deepEqual((await conn.readMany(3)).map((r) => r.status), [200, 200, 404]);
      await expectClosed(conn);
    },
  },
  {
    group: HALF,
    name: "client FIN mid-head → closed without a 2xx",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`);
      conn.shutdownWrite();
      assert.notEqual(await conn.waitClose(3_000), "timeout", "server must close");
      assert.ok(!/^HTTP\/1\.1 2/.test(conn.pending.toString("latin1")), "an incomplete request must not be answered 2xx");
    },
  },
];

/** A client that vanishes; the case itself only checks the server did not break (the runner's
 * liveness check) and that a second connection opened meanwhile still works. */
const vanishes = (name: string, act: (ctx: CaseContext) => Promise<void>): Case => ({
  group: ABORT,
  name,
  run: async (ctx) => {
    const other = await ctx.connect();
    await act(ctx);
    await sleep(50);
    await expectUsable(other, "other connection");
  },
});

export const abortCases: Case[] = [
  vanishes("client closes mid-head", async (ctx) => {
    const conn = await ctx.connect();
    await conn.write("GET / HTTP/1.1\r\nHo");
    conn.destroy();
  }),
  vanishes("client closes mid-body (Content-Length)", async (ctx) => {
    const conn = await ctx.connect();
    await conn.write(head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Content-Length: 100") + "only part");
    await sleep(20);
    conn.destroy();
  }),
  vanishes("client resets mid-chunked-body", async (ctx) => {
    const conn = await ctx.connect();
    await conn.write(chunkedRequest("/echo", "10\r\nonly"));
    await sleep(20);
    conn.reset();
  }),
  vanishes("client closes while downloading /big", async (ctx) => {
    const conn = await ctx.connect();
    await conn.write(get("/big"));
    await conn.waitAnything(2_000);
    conn.destroy();
  }),
  vanishes("client resets during a streamed response", async (ctx) => {
    const conn = await ctx.connect();
    await conn.write(get("/stream"));
    await conn.waitAnything(2_000);
    conn.reset();
  }),
  vanishes("100 clients connect and reset at once; the server keeps accepting", async (ctx) => {
    const conns = await Promise.all(Array.from({ length: 100 }, () => ctx.connect()));
    for (const conn of conns) conn.reset();
    await sleep(100);
  }),
  vanishes("client resets while its handler is still running", async (ctx) => {
    const conn = await ctx.connect();
    await conn.write(get("/slow?ms=100"));
    conn.reset();
    await sleep(150);
  }),
];

/** Pipelined /big requests a non-reading client asks for (8 MiB: beyond any loopback buffering). */
const UNREAD_BIGS = 8;
/** How soon slots of closed connections must be free again (generous: 300 closes on a loaded machine). */
const SLOT_FREE_MS = 3_000;
/** Connections in the concurrency case: the fixture's maxConnections leaves room for them. */
const CONCURRENT_CONNECTIONS = 200;

export const loadCases: Case[] = [
  {
    group: LOAD,
    name: `${CONCURRENT_CONNECTIONS} concurrent keep-alive connections, 2 requests each`,
    exclusive: true,
    timeoutMs: 30_000,
    run: async (ctx) => {
      const conns = await Promise.all(Array.from({ length: CONCURRENT_CONNECTIONS }, () => ctx.connect()));
      // Each connection runs its own request → response → request → response: no barrier across
      // connections, so none sits idle past keepAliveTimeout waiting for the slowest one.
      const settled = await Promise.allSettled(
        conns.map(async (conn, i) => {
          for (let round = 0; round < 2; round++) {
            await conn.write(get(`/headers?c=${i}`, `X-Seq: ${i}`));
            const response = await conn.read({ timeoutMs: 15_000 });
            check(response, { status: 200 }, `connection ${i} round ${round}`);
            assert.equal(seqOf(response), String(i));
          }
        }),
      );
      // Group failures by message so the report says e.g. "17× closed (fin), nothing received".
      const kinds = new Map<string, number[]>();
      settled.forEach((r, i) => {
        if (r.status === "fulfilled") return;
        const message = (r.reason as Error).message;
        kinds.set(message, [...(kinds.get(message) ?? []), i]);
      });
      const summary = [...kinds].map(([message, ids]) => `${ids.length}× (e.g. #${ids[0]}) ${message}`).join("; ");
      assert.equal(kinds.size, 0, `of ${CONCURRENT_CONNECTIONS} connections: ${summary}`);
    },
  },
  {
    group: LOAD,
    name: "connections over maxConnections are closed without a byte, the rest served",
    exclusive: true,
    timeoutMs: 30_000,
    gaps: {
      node: "fixture sets no connection limit on node:http",
      deno: "Deno.serve has no connection limit",
      bun: "Bun.serve has no connection limit",
    },
    run: async (ctx) => {
      const max = FIXTURE_CONNECTION.maxConnections ?? 0;
      assert.ok(max > 0, "the fixture must set maxConnections");
      // Every connection holds a slow request, so none is idle (no timeout closes it) while the rest open.
      const extra = 10;
      const conns: Awaited<ReturnType<CaseContext["connect"]>>[] = [];
      for (let i = 0; i < max + extra; i++) {
        const conn = await ctx.connect();
        await conn.write(get("/slow?ms=1500")).catch(() => undefined);
        conns.push(conn);
      }
      const outcomes = await Promise.all(
        conns.map(async (conn) => {
          const response = await conn.read({ timeoutMs: 10_000 }).catch(() => null);
          if (response) return response.status === 200 ? "served" : `status ${response.status}`;
          return conn.pending.length === 0 && conn.endedBy ? "refused" : "broken";
        }),
      );
      const count = (what: string) => outcomes.filter((o) => o === what).length;
      const odd = outcomes.filter((o) => o !== "served" && o !== "refused");
      assert.deepEqual(odd, [], "every connection is either served or refused without a byte");
      // A few connections of earlier cases may still be closing on the server: allow that much slack.
      assert.ok(count("served") <= max && count("served") >= max - extra, `served ${count("served")}, refused ${count("refused")}, limit ${max}`);
      // Closing them frees their slots: a new connection is served again soon after.
      for (const conn of conns) conn.destroy();
      const closedAt = Date.now();
      for (;;) {
        const probe = await ctx.connect();
        const ok = await probe.write(get("/", "Connection: close")).then(() => probe.read({ timeoutMs: 2_000 })).then(
          (r) => r.status === 200,
          () => false,
        );
        probe.destroy();
        if (ok) break;
        assert.ok(Date.now() - closedAt < SLOT_FREE_MS, `no connection accepted ${SLOT_FREE_MS} ms after the others closed`);
        await sleep(50);
      }
    },
  },
  {
    group: LOAD,
    name: "50 concurrent POST /echo get their own bodies",
    run: async (ctx) => {
      const conns = await Promise.all(Array.from({ length: 50 }, () => ctx.connect()));
      await Promise.all(conns.map((c, i) => c.write(withBody("POST", "/echo", `body number ${i} `.repeat(i + 1)))));
      const responses = await Promise.all(conns.map((c) => c.read({ timeoutMs: 10_000 })));
      responses.forEach((r, i) => check(r, { status: 200, body: `body number ${i} `.repeat(i + 1) }, `connection ${i}`));
    },
  },
  {
    group: LOAD,
    name: "slow reader of /big gets every byte (backpressure)",
    run: async (ctx) => {
      const conn = await ctx.connect();
      conn.pause();
      await conn.write(get("/big"));
      await sleep(400);
      conn.resume();
      check(await conn.read({ timeoutMs: 10_000 }), { status: 200, body: bigBody() });
      await expectUsable(conn);
    },
  },
  {
    group: LOAD,
    name: "request body streams: /echo answers the first chunk before the body ends",
    gaps: { node: "the fixture's node:http bridge reads two body pieces before it writes the head" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Transfer-Encoding: chunked") + "b\r\nfirst part\n\r\n");
      // The response head and the first echoed bytes must come while the client still holds the rest.
      const early = await conn.waitAnything(3_000);
      await sleep(100);
      const seen = conn.pending.toString("latin1");
      assert.ok(early.bytes.length > 0 && /^HTTP\/1\.1 200 /.test(seen) && seen.includes("first part"), `nothing echoed before the body ended: ${JSON.stringify(seen.slice(0, 120))}`);
      await conn.write("b\r\nlast part!\n\r\n0\r\n\r\n");
      check(await conn.read(), { status: 200, body: "first part\nlast part!\n" });
    },
  },
  {
    group: LOAD,
    name: "client that never reads is cut off after writeTimeout",
    timeoutMs: 20_000,
    gaps: { node: "node:http has no write timeout", deno: "Deno.serve has no write timeout" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      conn.pause();
      // Far more than loopback socket buffers hold, so the server's writes must block.
      await conn.write(get("/big").repeat(UNREAD_BIGS));
      await sleep(FIXTURE_TIMEOUTS.writeTimeout + 1_500);
      conn.resume();
      const how = await conn.waitClose(FIXTURE_TIMEOUTS.writeTimeout * 2);
      assert.notEqual(how, "timeout", "the server must give up on a client that does not read");
      assert.ok(conn.pending.length < UNREAD_BIGS * BIG_BYTES, "all bytes arrived: the server never blocked, so the case proves nothing");
    },
  },
  {
    group: LOAD,
    name: "chunked /echo of 60 KiB in 1 KiB chunks round-trips",
    run: async (ctx) => {
      const conn = await ctx.connect();
      const data = "0123456789abcdef".repeat(60 * 64);
      await conn.write(chunkedRequest("/echo", chunk(data, 1024)));
      check(await conn.read({ timeoutMs: 10_000 }), { status: 200, body: data });
    },
  },
];
