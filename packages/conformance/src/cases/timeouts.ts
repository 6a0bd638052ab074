// Timeouts, against the fixture's short values (fixture/config.ts). Every wait is bounded by a few
// times the timeout under test, so a server without that timeout fails the case instead of hanging it.

import * as assert from "node:assert/strict";
import { HOME_HTML } from "../fixture/app.ts";
import { FIXTURE_TIMEOUTS } from "../fixture/config.ts";
import { check, chunkedRequest, expectClosed, get, head, HOST } from "./helpers.ts";
import type { Case, CaseContext } from "./types.ts";

const TIMEOUT = "timeouts";
/** How many times the configured timeout a case waits before calling the server's timeout missing. */
const SLACK = 6;
const { headersTimeout, keepAliveTimeout, bodyTimeout } = FIXTURE_TIMEOUTS;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const NO_TIMEOUTS = "Deno.serve has no head-read, idle or body timeout (NOTES.md)";
const BUN_IDLE = "Bun.serve has only idleTimeout (whole seconds, no 408)";
const NODE_BODY = "node:http has no body-gap timeout, only requestTimeout (a total)";

/** After a stalled request: 408 with Connection: close, then the server closes. */
async function expect408(ctx: CaseContext, conn: Awaited<ReturnType<CaseContext["connect"]>>, timeout: number): Promise<void> {
  check(await conn.read({ timeoutMs: timeout * SLACK }), { status: 408, headers: { connection: /close/i } });
  await expectClosed(conn, "after 408", timeout * SLACK);
  void ctx;
}

export const timeoutCases: Case[] = [
  {
    group: TIMEOUT,
    name: "slow head (incomplete, then silence) → 408, then close",
    gaps: { deno: NO_TIMEOUTS, bun: BUN_IDLE },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`);
      await expect408(ctx, conn, headersTimeout);
    },
  },
  {
    group: TIMEOUT,
    name: "slowloris: head trickled a byte per 50 ms → 408 within the head timeout, not per byte",
    gaps: { deno: NO_TIMEOUTS, bun: BUN_IDLE },
    run: async (ctx) => {
      const conn = await ctx.connect();
      const started = Date.now();
      // Bounded: at most headersTimeout * SLACK worth of bytes; stops as soon as the server closes.
      const trickle = `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Slow: ` + "a".repeat(Math.ceil((headersTimeout * SLACK) / 50));
      const writing = conn.writeSlowly(trickle, 1, 50);
      check(await conn.read({ timeoutMs: headersTimeout * SLACK }), { status: 408 });
      assert.ok(Date.now() - started < headersTimeout * (SLACK - 1), "the head timeout must count from the first byte");
      await expectClosed(conn, "after 408", headersTimeout * SLACK);
      await writing;
    },
  },
  {
    group: TIMEOUT,
    name: "connection that never sends a byte is closed",
    gaps: { deno: NO_TIMEOUTS, bun: BUN_IDLE },
    run: async (ctx) => {
      const conn = await ctx.connect();
      const how = await conn.waitClose(Math.max(headersTimeout, keepAliveTimeout) * SLACK);
      assert.notEqual(how, "timeout", "server must close an idle new connection");
      const said = conn.pending.toString("latin1");
      assert.ok(said === "" || said.startsWith("HTTP/1.1 408 "), `only silence or 408 allowed, got ${JSON.stringify(said.slice(0, 60))}`);
    },
  },
  {
    group: TIMEOUT,
    name: "idle keep-alive connection is closed quietly after keepAliveTimeout",
    gaps: { deno: NO_TIMEOUTS },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/"));
      check(await conn.read(), { status: 200, body: HOME_HTML });
      const idleSince = Date.now();
      await expectClosed(conn, "idle", keepAliveTimeout * SLACK);
      assert.ok(Date.now() - idleSince >= keepAliveTimeout / 2, "closed long before keepAliveTimeout");
    },
  },
  {
    group: TIMEOUT,
    name: "second request's head stalls on a kept connection → 408, then close",
    gaps: { deno: NO_TIMEOUTS, bun: BUN_IDLE },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/"));
      check(await conn.read(), { status: 200 });
      await conn.write("GET / HTTP/1.1\r\nHo");
      await expect408(ctx, conn, headersTimeout);
    },
  },
  {
    group: TIMEOUT,
    name: "stalled Content-Length body → 408, then close",
    gaps: { deno: NO_TIMEOUTS, bun: BUN_IDLE, node: NODE_BODY },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(head("POST /len HTTP/1.1", `Host: ${HOST}`, "Content-Length: 10") + "abc");
      await expect408(ctx, conn, bodyTimeout);
    },
  },
  {
    group: TIMEOUT,
    name: "stalled chunked body → 408, then close",
    gaps: { deno: NO_TIMEOUTS, bun: BUN_IDLE, node: NODE_BODY },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(chunkedRequest("/len", "5\r\nab"));
      await expect408(ctx, conn, bodyTimeout);
    },
  },
  {
    group: TIMEOUT,
    name: "body trickled with gaps under bodyTimeout (total over it) → 200",
    run: async (ctx) => {
      const conn = await ctx.connect();
      // Gaps of a fifth of the timeout leave room for a stalled client or server on a busy machine.
      const pieces = 8;
      await conn.write(head("POST /len HTTP/1.1", `Host: ${HOST}`, `Content-Length: ${pieces}`));
      for (let i = 0; i < pieces; i++) {
        await sleep(bodyTimeout / 5);
        await conn.write("x");
      }
      check(await conn.read(), { status: 200, body: `${pieces}` });
    },
  },
  {
    group: TIMEOUT,
    name: "a handler slower than every timeout is still answered",
    run: async (ctx) => {
      const ms = Math.max(headersTimeout, bodyTimeout, keepAliveTimeout) + 300;
      const conn = await ctx.connect();
      await conn.write(get(`/slow?ms=${ms}`));
      check(await conn.read({ timeoutMs: ms * 4 }), { status: 200, body: `slow ${ms}\n` });
    },
  },
];
