// The seed server as its start script runs it (issue 3, "apps/hello"): the runtime command from
// package.json (`start`, `start:deno` or `start:bun`, whichever matches the runtime running this test)
// is spawned on a free port; it must print the URL it serves, answer GET / and an unknown path, log one
// access line per request, and stop cleanly (exit 0) on Ctrl-C (SIGINT).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";

const APP_DIR = new URL("..", import.meta.url);
/** Bound on each wait (start-up, requests, shutdown), so a broken server fails the test, not hangs it. */
const WAIT_MS = 20_000;
/** A pool of one: the start script's pool path, at the smallest start-up cost. */
const TEST_WORKERS = "1";
const LISTENING = /weft listening on (http:\/\/127\.0\.0\.1:\d+\/)/;
const ACCESS_LINE = /^127\.0\.0\.1 - - \[[^\]]+\] "(\S+) (\S+) HTTP\/1\.1" (\d{3}) /;

const runtime = "Deno" in globalThis ? "deno" : process.versions.bun ? "bun" : "node";
const scriptName = { node: "start", deno: "start:deno", bun: "start:bun" }[runtime];

/** The script's command line with its runtime replaced by the binary running this test (npm would
 * find the same one in node_modules/.bin). */
function startCommand(): string[] {
  const scripts = JSON.parse(readFileSync(new URL("package.json", APP_DIR), "utf8")).scripts as Record<string, string>;
  const [binary, ...args] = scripts[scriptName]!.split(" ");
  assert.equal(binary, runtime, `script ${scriptName} runs ${binary}`);
  return [process.execPath, ...args];
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${WAIT_MS} ms`)), WAIT_MS)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test(`npm run ${scriptName}: prints its URL, serves / and 404, logs each request, stops on SIGINT`, async () => {
  const [command, ...args] = startCommand();
  const child = spawn(command!, [...args, "--port", "0", "--workers", TEST_WORKERS], { cwd: APP_DIR, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const url = await within(
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const found = LISTENING.exec(stdout);
          if (found) resolve(found[1]!);
        };
        child.stdout!.on("data", look);
        void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
      }),
      "start-up",
    );

    const home = await within(fetch(url), "GET /");
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<h1>Hello!<\/h1>/);
    const missing = await within(fetch(new URL("/nope", url)), "GET /nope");
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<h1>Oops!<\/h1>/);

    // The log line is written after the response is queued: give it a moment to reach the pipe.
    await within(
      new Promise<void>((resolve) => {
        const check = () => stdout.includes('"GET /nope HTTP/1.1" 404') && resolve();
        check();
        child.stdout!.on("data", check);
      }),
      "access log",
    );
    const access = stdout.split("\n").flatMap((line) => {
      const m = ACCESS_LINE.exec(line);
      return m ? [`${m[1]} ${m[2]} ${m[3]}`] : [];
    });
    assert.deepEqual(access, ["GET / 200", "GET /nope 404"], "one access line per request");

    // process.kill, not child.kill: Deno's node:child_process reports a child it signalled through
    // child.kill as killed by that signal even when the child caught it and exited 0.
    process.kill(child.pid!, "SIGINT");
    assert.equal(await within(exited, "exit after SIGINT"), 0, `exit code after SIGINT (stderr: ${stderr})`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
