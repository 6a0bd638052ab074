// The `weft` command as a user runs it, on the runtime that runs this test: a child process, real
// ports, a real HTTP client. (On Node the child goes through the package's bin launcher, bin/weft.mjs.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { RUNTIME } from "./fixtures/runtime.ts";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url).href);
const BIN = fileURLToPath(new URL("../bin/weft.mjs", import.meta.url).href);
const START_TIMEOUT_MS = 20_000;

function cliCommand(args: string[]): [string, string[]] {
  if (RUNTIME === "deno") return [process.execPath, ["run", "-A", CLI, ...args]];
  if (RUNTIME === "bun") return [process.execPath, [CLI, ...args]];
  return [process.execPath, [BIN, ...args]];
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Who the CLI runs as, when not as this test's own user (see `unprivileged`). */
interface RunAs {
  uid: number;
  gid: number;
  env: Record<string, string>;
}

function start(args: string[], as?: RunAs): Run {
  const [cmd, argv] = cliCommand(args);
  const env = { ...process.env, NO_COLOR: "1", ...as?.env };
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env, ...(as && { uid: as.uid, gid: as.gid }) });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const match = pattern.exec(run.stdout());
    if (match) return match;
    if (run.child.exitCode !== null) throw new Error(`weft exited (${run.child.exitCode}): ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stdout: ${run.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Deno's node:child_process reports (null, "SIGTERM") for any child it signalled, even one that
 * caught the signal and exited 0 (checked with a shell that traps TERM): there the exit code is unknown. */
const KILL_REPORTS_EXIT_CODE = RUNTIME !== "deno";

/** SIGTERM, and check it was a graceful stop: the CLI says so, and exits 0 where that can be seen. */
async function stop(run: Run): Promise<void> {
  if (run.child.exitCode === null) run.child.kill("SIGTERM");
  const code = await run.exit;
  assert.match(run.stdout(), /weft: stopped\n$/, `graceful stop; stderr: ${run.stderr()}`);
  if (KILL_REPORTS_EXIT_CODE) assert.equal(code, 0, "SIGTERM is a clean stop");
}

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-cli-"));
  await writeFile(join(dir, "index.html"), "<h1>home</h1>");
  await writeFile(join(dir, "404.html"), "<h1>custom missing page</h1>");
  await mkdir(join(dir, "files"));
  await writeFile(join(dir, "files", "a.txt"), "alpha");
});
after(() => rm(dir, { recursive: true, force: true }));

/** Assert a run ended with one friendly line on stderr and exit code 1. */
async function assertFriendlyFailure(run: Run, message: RegExp) {
  assert.equal(await run.exit, 1);
  assert.match(run.stderr(), message);
  assert.doesNotMatch(run.stderr(), /\n\s+at /, "no stack trace");
  assert.equal(run.stderr().trim().split("\n").length, 1, run.stderr());
}

test("--help prints usage and exits 0", async () => {
  const run = start(["--help"]);
  assert.equal(await run.exit, 0);
  assert.match(run.stdout(), /Usage:\n {2}weft serve \[dir\]/);
  assert.match(run.stdout(), /--no-listing/);
});

test("--version prints the version", async () => {
  const run = start(["--version"]);
  assert.equal(await run.exit, 0);
  assert.match(run.stdout(), /^weft \d+\.\d+\.\d+\n$/);
});

test("serve a folder on --port 0: prints the URL, serves files, listing, 404.html, logs each request", async () => {
  const run = start(["serve", dir, "--port", "0"]);
  try {
    const [, url] = await waitFor(run, /(http:\/\/127\.0\.0\.1:\d+\/)/);
    const home = await fetch(url!);
    assert.equal(home.status, 200);
    assert.equal(await home.text(), "<h1>home</h1>");
    const file = await fetch(`${url}files/a.txt`);
    assert.equal(await file.text(), "alpha");
    assert.equal(file.headers.get("content-length"), "5");
    const listing = await fetch(`${url}files/`);
    assert.match(await listing.text(), /a\.txt/);
    const missing = await fetch(`${url}nope`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "<h1>custom missing page</h1>");
    // Common Log Format on a pipe (stdout is not a TTY here).
    await waitFor(run, /127\.0\.0\.1 - - \[[^\]]+\] "GET \/nope HTTP\/1\.1" 404 \d+/);
  } finally {
    await stop(run);
  }
});

test("--no-listing, --cors and --quiet", async () => {
  const run = start(["serve", dir, "--port=0", "--no-listing", "--cors", "--quiet"]);
  try {
    const [, url] = await waitFor(run, /(http:\/\/127\.0\.0\.1:\d+\/)/);
    const listing = await fetch(`${url}files/`);
    assert.equal(listing.status, 404);
    await listing.text();
    const file = await fetch(`${url}files/a.txt`, { headers: { origin: "http://example.com" } });
    assert.equal(file.headers.get("access-control-allow-origin"), "*");
    await file.text();
    const preflight = await fetch(`${url}files/a.txt`, {
      method: "OPTIONS",
      headers: { origin: "http://example.com", "access-control-request-method": "GET", "access-control-request-headers": "x-custom" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "x-custom");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.doesNotMatch(run.stdout(), /"GET /, "--quiet logs no requests");
  } finally {
    await stop(run);
  }
});

test("--workers 2 serves the folder from the worker pool", async () => {
  const run = start(["serve", dir, "--port", "0", "--workers", "2"]);
  try {
    const [, url] = await waitFor(run, /on 2 workers at\n\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
    const file = await fetch(`${url}files/a.txt`);
    assert.equal(await file.text(), "alpha");
    const missing = await fetch(`${url}nope`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "<h1>custom missing page</h1>");
  } finally {
    await stop(run);
  }
});

test("--workers 2 --processes serves the folder from child-process workers", async () => {
  const run = start(["serve", dir, "--port", "0", "--workers", "2", "--processes"]);
  try {
    const [, url] = await waitFor(run, /on 2 process workers at\n\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
    const file = await fetch(`${url}files/a.txt`);
    assert.equal(await file.text(), "alpha");
    assert.equal((await fetch(`${url}nope`)).status, 404);
  } finally {
    await stop(run);
  }
});

test("a port in use is one friendly line and exit code 1", async () => {
  const blocker: NetServer = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const run = start(["serve", dir, "--port", String(port)]);
    await assertFriendlyFailure(run, new RegExp(`^weft: port ${port} is already in use`));
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test("a missing folder and bad flag values are friendly failures", async () => {
  await assertFriendlyFailure(start(["serve", join(dir, "does-not-exist"), "--port", "0"]), /^weft: no such folder: /);
  await assertFriendlyFailure(start(["serve", join(dir, "index.html"), "--port", "0"]), /^weft: not a folder: /);
  await assertFriendlyFailure(start(["serve", dir, "--port", "eighty"]), /^weft: --port must be a whole number/);
  await assertFriendlyFailure(start(["serve", dir, "--bogus"]), /^weft: unknown option --bogus/);
});

test("--host with an address this machine does not have is a friendly failure", async () => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface. Nothing is sent to it.
  await assertFriendlyFailure(start(["serve", dir, "--host", "192.0.2.1", "--port", "0"]), /^weft: cannot listen on 192\.0\.2\.1: no such address/);
});

/** A privileged port: binding it needs root (or CAP_NET_BIND_SERVICE). */
const PRIVILEGED_PORT = 80;
/** The user the permission tests run the CLI as when this test runs as root (root may bind any port
 * and read any folder, so the failures could not happen): `nobody` on Linux. */
const NOBODY = 65534;

/** How to run the CLI without privileges, or why that cannot be done here (a skip reason). */
async function unprivileged(): Promise<RunAs | string> {
  if (typeof process.getuid !== "function") return "no POSIX users on this platform";
  if (process.getuid() !== 0) return { uid: process.getuid(), gid: process.getgid!(), env: {} };
  // Deno keeps its cache in DENO_DIR (root's home is not nobody's to write): a scratch one it may use.
  const home = await mkdtemp(join(tmpdir(), "weft-cli-nobody-"));
  await chmod(home, 0o777);
  return { uid: NOBODY, gid: NOBODY, env: { HOME: home, DENO_DIR: join(home, "deno") } };
}

/** Linux lets unprivileged processes bind ports from this one up (net.ipv4.ip_unprivileged_port_start). */
const PORT_START_SYSCTL = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
const unprivilegedPortStart = Number((await readFile(PORT_START_SYSCTL, "utf8").catch(() => "1024")).trim());
// Decided before the tests are declared: a skip reason must be known then (`{ skip }` works the same on
// node --test, deno test and bun test).
const AS = await unprivileged();
const NO_USER = typeof AS === "string" ? AS : false;
after(() => (typeof AS !== "string" && AS.env.HOME ? rm(AS.env.HOME, { recursive: true, force: true }) : undefined));

test("permission denied on a privileged port is one friendly line and exit code 1", {
  skip: NO_USER || (unprivilegedPortStart <= PRIVILEGED_PORT && `port ${PRIVILEGED_PORT} is not privileged on this machine`),
}, async () => {
  // The served folder must be readable by that user, or the folder check fails first.
  const open = await mkdtemp(join(tmpdir(), "weft-cli-open-"));
  try {
    await chmod(open, 0o755);
    const run = start(["serve", open, "--port", String(PRIVILEGED_PORT)], AS as RunAs);
    await assertFriendlyFailure(run, new RegExp(`^weft: permission denied to listen on 127\\.0\\.0\\.1:${PRIVILEGED_PORT}`));
  } finally {
    await rm(open, { recursive: true, force: true });
  }
});

test("a folder the user may not read is one friendly line and exit code 1", { skip: NO_USER }, async () => {
  const locked = await mkdtemp(join(tmpdir(), "weft-cli-locked-"));
  try {
    await chmod(locked, 0o000);
    await assertFriendlyFailure(start(["serve", locked, "--port", "0"], AS as RunAs), /^weft: cannot read folder .*: permission denied\n$/);
  } finally {
    await chmod(locked, 0o700);
    await rm(locked, { recursive: true, force: true });
  }
});

test("weft hello serves the seed app", async () => {
  const run = start(["hello", "--port", "0", "--quiet"]);
  try {
    const [, url] = await waitFor(run, /(http:\/\/127\.0\.0\.1:\d+\/)/);
    const hello = await fetch(url!);
    assert.match(await hello.text(), /<h1>Hello!<\/h1>/);
    const missing = await fetch(`${url}other`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /Oops!/);
  } finally {
    await stop(run);
  }
});
