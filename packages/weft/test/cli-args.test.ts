// The CLI's pure parts: argument parsing, log lines, friendly error messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_PORT, parseArgs, UsageError } from "../src/cli/args.ts";
import { formatClf, formatCompact } from "../src/cli/log.ts";
import { folderErrorMessage, listenErrorMessage } from "../src/cli/errors.ts";
import type { AccessLogEntry } from "@weft/core";

test("serve with a folder and every flag", () => {
  const o = parseArgs(["serve", "public", "--host", "0.0.0.0", "--port=0", "-w", "2", "--processes", "--no-listing", "--cors", "--quiet"]);
  assert.deepEqual(o, { command: "serve", dir: "public", host: "0.0.0.0", port: 0, workers: 2, processes: true, listing: false, cors: true, quiet: true });
});

test("defaults: serve the current folder on 127.0.0.1", () => {
  const o = parseArgs(["serve"]);
  assert.equal(o.dir, ".");
  assert.equal(o.host, "127.0.0.1");
  assert.equal(o.port, DEFAULT_PORT);
  assert.equal(o.workers, 0);
  assert.equal(o.listing, true);
});

test("help, version, hello and no command", () => {
  assert.equal(parseArgs(["--help"]).command, "help");
  assert.equal(parseArgs(["serve", "-h"]).command, "help");
  assert.equal(parseArgs(["-v"]).command, "version");
  assert.equal(parseArgs(["hello", "-p", "9000"]).command, "hello");
  assert.equal(parseArgs([]).command, "help");
});

test("an IPv6 host may be given in brackets", () => {
  assert.equal(parseArgs(["serve", "--host", "[::1]"]).host, "::1");
});

test("bad flag values are UsageErrors with a readable message", () => {
  const bad: [string[], RegExp][] = [
    [["serve", "--port", "http"], /--port must be a whole number/],
    [["serve", "--port", "70000"], /between 0 and 65535/],
    [["serve", "--port", "-1"], /--port must be a whole number/],
    [["serve", "--port"], /--port needs a value/],
    [["serve", "--workers", "1.5"], /--workers must be a whole number/],
    [["serve", "--frobnicate"], /unknown option --frobnicate/],
    [["serve", "a", "b"], /one folder/],
    [["serve", "--cors=yes"], /takes no value/],
    [["serve", "--processes"], /--processes needs --workers/],
    [["launch"], /unknown command "launch"/],
    [["serve", "--host"], /--host needs a value/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(" "));
  }
});

const ENTRY: AccessLogEntry = {
  remoteAddress: "127.0.0.1",
  method: "GET",
  target: '/a "b"\x1b[31m',
  version: "HTTP/1.1",
  status: 200,
  bytes: 1234,
  startedAt: Date.UTC(2000, 9, 10, 13, 55, 36),
  durationMs: 1.25,
};

test("Common Log Format line, with quotes and control bytes escaped", () => {
  assert.equal(
    formatClf(ENTRY),
    '127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a \\x22b\\x22\\x1b[31m HTTP/1.1" 200 1234',
  );
  assert.match(formatClf({ ...ENTRY, bytes: 0 }), / 200 -$/);
});

test("compact line: coloured status only when asked", () => {
  const plain = formatCompact({ ...ENTRY, target: "/x" }, false);
  assert.match(plain, /^\d\d:\d\d:\d\d GET \/x 200 1\.3 ms 1\.2 KiB$/);
  assert.ok(!plain.includes("\x1b"));
  assert.ok(formatCompact({ ...ENTRY, status: 404 }, true).includes("\x1b[33m404"));
});

test("listen errors from each runtime get one friendly line", () => {
  const inUse = [
    Object.assign(new Error("listen EADDRINUSE: address already in use"), { code: "EADDRINUSE" }), // Node, Bun
    Object.assign(new Error("Address already in use (os error 98)"), { name: "AddrInUse" }), // Deno (name only)
  ];
  for (const error of inUse) assert.match(listenErrorMessage(error, "127.0.0.1", 8080)!, /port 8080 is already in use/);
  assert.match(listenErrorMessage({ code: "EACCES" }, "0.0.0.0", 80)!, /permission denied.*below 1024/);
  assert.match(listenErrorMessage({ name: "PermissionDenied" }, "0.0.0.0", 80)!, /permission denied/);
  assert.match(listenErrorMessage({ code: "EADDRNOTAVAIL" }, "10.9.9.9", 80)!, /no such address/);
  assert.equal(listenErrorMessage(new Error("boom"), "h", 1), null);
});

test("folder errors get one friendly line", () => {
  assert.equal(folderErrorMessage({ code: "ENOENT" }, "/x"), "no such folder: /x");
  assert.equal(folderErrorMessage({ code: "ENOTDIR" }, "/x"), "not a folder: /x");
  assert.match(folderErrorMessage({ name: "PermissionDenied" }, "/x")!, /permission denied/);
});
