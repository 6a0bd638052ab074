// Many connections, the connection limit, slow and absent readers (backpressure), full-duplex bodies.

import * as assert from "node:assert/strict";
import { bigBody } from "../fixture/app.ts";
import { BIG_BYTES, FIXTURE_CONNECTION, FIXTURE_TIMEOUTS } from "../fixture/config.ts";
import { check, chunk, chunkedRequest, get, head, HOST, seqOf, sleep, withBody } from "./helpers.ts";
import type { Case, CaseContext } from "./types.ts";

const LOAD = "concurrency";

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
      // Each connection runs its own connect → request → response → request → response: no barrier
      // across connections, so none sits idle past a timeout waiting for the slowest one.
      const settled = await Promise.allSettled(
        Array.from({ length: CONCURRENT_CONNECTIONS }, async (_, i) => {
          const conn = await ctx.connect();
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
      // No follow-up request: the server may rightly count the slow read as keep-alive idle time.
      check(await conn.read({ timeoutMs: 10_000 }), { status: 200, body: bigBody() });
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
