// Basic requests, HEAD, 404/405 and handler failures.

import * as assert from "node:assert/strict";
import { BIG_BYTES } from "../fixture/config.ts";
import { bigBody, HOME_HTML, NOT_FOUND, STREAM_PARTS } from "../fixture/app.ts";
import { check, exchange, expectClosed, expectUsable, get, head, HOST, simple } from "./helpers.ts";
import type { Case } from "./types.ts";

const BASIC = "basic";
const HEAD = "HEAD";
const STATUS = "404/405";

/** IMF-fixdate (RFC 9110 §5.6.7), the only Date format a server may generate. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
const HOME_LENGTH = String(new TextEncoder().encode(HOME_HTML).length);
const json = (response: { text(): string }) => JSON.parse(response.text()) as Record<string, unknown>;

export const basicCases: Case[] = [
  simple(BASIC, "GET / → 200 with the fixed HTML and its Content-Length", get("/"), {
    status: 200,
    headers: { "content-length": HOME_LENGTH, "content-type": "text/html; charset=utf-8", "transfer-encoding": null },
    body: HOME_HTML,
  }, { closed: false }),
  {
    group: BASIC,
    name: "response carries one Date in IMF-fixdate and an HTTP/1.1 status line with reason",
    run: async (ctx) => {
      const response = await exchange(ctx, get("/"), { status: 200, headers: { date: IMF_FIXDATE } });
      assert.equal(response.version, "HTTP/1.1");
      assert.equal(response.reason, "OK");
      assert.equal(response.count("date"), 1);
    },
  },
  simple(BASIC, "query string reaches the handler", get("/slow?ms=0"), { status: 200, body: "slow 0\n" }),
  simple(BASIC, "percent-encoded target reaches the handler unchanged", get("/headers?q=a%20b&r=%2F"), { status: 200, body: /"path":"\/headers\?q=a%20b&r=%2F"/ }),
  simple(BASIC, "field value OWS is trimmed", get("/headers", "X-Test: \t spaced value \t "), { status: 200, body: /"xTest":"spaced value"/ }),
  simple(BASIC, "field names are case-insensitive", get("/headers", "x-TeSt: mixed"), { status: 200, body: /"xTest":"mixed"/ }),
  simple(BASIC, "repeated field lines are combined in order", get("/headers", "X-Test: first", "X-Test: second"), { status: 200, body: /"xTest":"first, second"/ }),
  simple(BASIC, "empty field value is accepted", get("/headers", "X-Test:"), { status: 200, body: /"xTest":""/ }),
  simple(BASIC, "Host reaches the handler", get("/headers"), { status: 200, body: new RegExp(`"host":"${HOST}"`) }),
  simple(BASIC, "obs-text (bytes ≥ 0x80) in a value is accepted", get("/headers", "X-Test: caf\xe9"), { status: 200 }),
  simple(BASIC, "extension method (valid token) reaches the handler → 405 on /", head("PURGE / HTTP/1.1", `Host: ${HOST}`), {
    status: 405,
    headers: { allow: "GET, HEAD" },
  }, { closed: false }),
  {
    group: BASIC,
    name: "absolute-form target is accepted and its authority wins over Host (RFC 9112 §3.2.2)",
    gaps: { bun: "Bun.serve keeps the Host field over the absolute-form authority" },
    run: async (ctx) => {
      const response = await exchange(ctx, head("GET http://example.com/headers?x=1 HTTP/1.1", "Host: other.test"), { status: 200 }, { closed: false });
      const values = json(response);
      assert.equal(values.path, "/headers?x=1");
      assert.equal(values.urlHost, "example.com");
    },
  },
  simple(BASIC, "OPTIONS * (asterisk-form) reaches the handler → its 404, connection kept", head("OPTIONS * HTTP/1.1", `Host: ${HOST}`), { status: 404 }, {
    closed: false,
    gaps: { bun: "Bun.serve answers 400 to asterisk-form", node: "the fixture's node:http bridge maps `*` to /" },
  }),
  // RFC 9110 §7.8: a server MAY ignore Upgrade and answer over HTTP/1.1; `curl --http2 http://…` sends
  // exactly this, so refusing it breaks ordinary clients.
  simple(BASIC, "unsupported Upgrade (h2c) is ignored: served over HTTP/1.1", get("/", "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA"), {
    status: 200,
    body: HOME_HTML,
  }),
  simple(BASIC, "HTTP/1.0 request without Host → 200, then close", head("GET / HTTP/1.0"), { status: 200, body: HOME_HTML }, {
    closed: true,
    gaps: { bun: "Bun.serve builds no valid Request URL without Host (the app's new URL() throws)" },
  }),
  simple(BASIC, "empty line before the request line is ignored (RFC 9112 §2.2)", "\r\n" + get("/"), { status: 200, body: HOME_HTML }, {
    gaps: { bun: "Bun.serve answers 400 to a leading empty line" },
  }),
  // A body larger than highWaterMark may go out chunked (weft: response-body.ts) or with Content-Length
  // (Deno.serve, Bun.serve); both are correct framing, the bytes are what matter.
  simple(BASIC, "GET /big → 1 MiB exact bytes", get("/big"), {
    status: 200,
    headers: { "content-length": new RegExp(`^(${BIG_BYTES}|<absent>)$`) },
    body: bigBody(),
  }, { closed: false }),
  simple(BASIC, "streamed response (HTTP/1.1) is chunked and complete", get("/stream"), {
    status: 200,
    headers: { "transfer-encoding": "chunked", "content-length": null },
    body: STREAM_PARTS.join(""),
  }, { closed: false }),
  {
    group: BASIC,
    name: "streamed response to HTTP/1.0 is close-delimited, not chunked",
    gaps: { bun: "Bun.serve gives no valid Request URL without Host: the app's new URL() throws" },
    run: async (ctx) => {
      const response = await exchange(ctx, head("GET /stream HTTP/1.0"), { status: 200, headers: { "transfer-encoding": null }, body: STREAM_PARTS.join("") });
      assert.ok(response.framing === "close" || response.framing === "length", `framing ${response.framing}`);
    },
  },
  simple(BASIC, "handler throws → 500, connection stays usable", get("/throw"), { status: 500 }, { closed: false }),
  simple(BASIC, "handler rejects → 500, connection stays usable", get("/reject"), { status: 500 }, { closed: false }),
  {
    group: BASIC,
    name: "stream failing mid-body → truncated response, then close",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/stream-error"));
      // The head and the first part went out; the body can never complete, so the server must close
      // without the last-chunk (a client must not take a truncated body for a whole one).
      await assert.rejects(conn.read({ timeoutMs: 3_000 }), /closed/);
      assert.ok(conn.endedBy, "connection must be closed");
    },
  },
  simple(BASIC, "204 has no body and no Content-Length; the connection stays framed", get("/status/204"), {
    status: 204,
    headers: { "content-length": null, "transfer-encoding": null },
    body: "",
  }, { closed: false }),
  simple(BASIC, "304 has no body; the connection stays framed", get("/status/304"), { status: 304, headers: { "transfer-encoding": null }, body: "" }, { closed: false }),
  {
    group: BASIC,
    name: "Expect: 100-continue → 100 Continue, then the final response",
    gaps: { deno: "Deno.serve closes the connection after a 100-continue exchange" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Content-Length: 5", "Expect: 100-continue"));
      const interim = await conn.read({ interim: true, timeoutMs: 3_000 });
      assert.equal(interim.status, 100);
      await conn.write("hello");
      check(await conn.read(), { status: 200, body: "hello" });
      await expectUsable(conn);
    },
  },
  {
    group: BASIC,
    name: "Expect: 100-continue with an over-limit Content-Length → 413 without 100",
    gaps: { node: "no body limit", deno: "no body limit", bun: "Bun.serve sends 100 Continue before checking its body limit" },
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(head("POST /echo HTTP/1.1", `Host: ${HOST}`, "Content-Length: 10000000", "Expect: 100-continue"));
      const response = await conn.read({ interim: true, timeoutMs: 3_000 });
      check(response, { status: 413 });
      await expectClosed(conn);
    },
  },
];

export const headCases: Case[] = [
  simple(HEAD, "HEAD / → 200, no body, GET's Content-Length", head("HEAD / HTTP/1.1", `Host: ${HOST}`), {
    status: 200,
    headers: { "content-length": HOME_LENGTH, "content-type": "text/html; charset=utf-8" },
    body: "",
  }, { head: true, closed: false }),
  {
    group: HEAD,
    name: "HEAD / has the same fields as GET / (Date aside)",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/") + head("HEAD / HTTP/1.1", `Host: ${HOST}`));
      const [getResponse, headResponse] = await conn.readMany(2, { heads: [false, true] });
      const fields = (r: typeof getResponse) => r!.fields.filter(([n]) => n.toLowerCase() !== "date").map(([n, v]) => `${n.toLowerCase()}: ${v}`).sort();
      assert.deepEqual(fields(headResponse!), fields(getResponse!));
      assert.equal(conn.pending.length, 0, "HEAD response must have no body bytes");
    },
  },
  {
    group: HEAD,
    name: "HEAD /big → GET's framing fields and no body bytes",
    run: async (ctx) => {
      const conn = await ctx.connect();
      await conn.write(get("/big") + head("HEAD /big HTTP/1.1", `Host: ${HOST}`));
      const [getResponse, headResponse] = await conn.readMany(2, { heads: [false, true] });
      check(headResponse!, { status: 200, body: "" });
      for (const name of ["content-length", "transfer-encoding"]) assert.equal(headResponse!.header(name), getResponse!.header(name), name);
      await expectUsable(conn);
    },
  },
  simple(HEAD, "HEAD on a streamed route → no body bytes, connection usable", head("HEAD /stream HTTP/1.1", `Host: ${HOST}`), { status: 200, body: "" }, { head: true, closed: false }),
  simple(HEAD, "HEAD on an unknown path → 404 without body", head("HEAD /nope HTTP/1.1", `Host: ${HOST}`), { status: 404, body: "" }, { head: true, closed: false }),
  simple(HEAD, "HEAD with HTTP/1.0 → no body, then close", head("HEAD / HTTP/1.0"), { status: 200, body: "" }, {
    head: true,
    closed: true,
    gaps: { bun: "Bun.serve gives no valid Request URL without Host: the app's new URL() throws" },
  }),
];

export const statusCases: Case[] = [
  simple(STATUS, "unknown path → 404 with the fixed body", get("/nope"), { status: 404, body: NOT_FOUND }, { closed: false }),
  simple(STATUS, "GET on a POST-only path → 405 with Allow: POST", get("/post-only"), { status: 405, headers: { allow: "POST" } }, { closed: false }),
  simple(STATUS, "POST on the POST-only path → 200", head("POST /post-only HTTP/1.1", `Host: ${HOST}`, "Content-Length: 0"), { status: 200, body: "posted\n" }, { closed: false }),
  simple(STATUS, "DELETE / → 405 with Allow: GET, HEAD", head("DELETE / HTTP/1.1", `Host: ${HOST}`), { status: 405, headers: { allow: "GET, HEAD" } }, { closed: false }),
  simple(STATUS, "POST / with an unread body → 405, body skipped, connection usable",
    head("POST / HTTP/1.1", `Host: ${HOST}`, "Content-Length: 11") + "hello world",
    { status: 405, headers: { allow: "GET, HEAD" } }, { closed: false }),
  simple(STATUS, "404 for a deep unknown path keeps the connection", get("/a/b/c/d?e=f"), { status: 404 }, { closed: false }),
];
