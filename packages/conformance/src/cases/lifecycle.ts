// Half-close (RFC 9112 §9.6) and clients that vanish mid-request or mid-response.

import * as assert from "node:assert/strict";
import { HOME_HTML } from "../fixture/app.ts";
import { check, chunkedRequest, expectClosed, expectUsable, get, head, HOST, sleep, withBody } from "./helpers.ts";
import type { Case, CaseContext } from "./types.ts";

const HALF = "half-close";
const ABORT = "client abort";

/** Native servers drop a response that is not ready when the client half-closes (NOTES.md). */
const HALF_CLOSE_GAPS = {
  node: "node:http (no allowHalfOpen) drops a late response after the client's FIN",
  deno: "Deno.serve drops a late response after the client's FIN",
  bun: "Bun.serve drops a late response after the client's FIN (no allowHalfOpen)",
};

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
