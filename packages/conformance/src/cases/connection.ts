// Keep-alive and pipelining (RFC 9112 §9.3, §9.3.2).

import * as assert from "node:assert/strict";
import { bigBody, HOME_HTML } from "../fixture/app.ts";
import { FIXTURE_TIMEOUTS } from "../fixture/config.ts";
import { check, chunkedRequest, expectClosed, expectUsable, get, head, HOST, seqOf, sleep, withBody } from "./helpers.ts";
import type { Case, CaseContext } from "./types.ts";

const KEEP = "keep-alive";
const PIPE = "pipelining";

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
    gaps: { bun: "Bun.serve does not say Connection: keep-alive to HTTP/1.0" },
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
    gaps: { bun: "Bun.serve closes without saying Connection: close (a SHOULD, RFC 9112 §9.6)" },
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
    gaps: { bun: "Bun.serve drops or cuts pipelined responses" },
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
    gaps: { bun: "Bun.serve parses a chunked trailer section as the next request (NOTES.md)" },
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
    gaps: { bun: "Bun.serve drops or cuts pipelined responses" },
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
    gaps: { bun: "Bun.serve drops or cuts pipelined responses" },
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
