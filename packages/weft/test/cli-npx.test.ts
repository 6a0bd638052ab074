// `npx weft serve .` as a user types it, through npm and the package's bin (bin/weft.mjs), from a folder
// inside a workspace package: npm starts the bin in the package's folder there, and `.` must still mean
// the folder the command was typed in. Node only: npx is how Node runs the CLI (Deno and Bun run
// src/cli.ts itself, in cli.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { RUNTIME } from "./fixtures/runtime.ts";

/** This workspace package's folder: the scratch folder goes below it, so npm's workspace rule applies. */
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const START_TIMEOUT_MS = 30_000;

test("npx weft serve . serves the folder it was typed in, also inside a workspace package", {
  skip: RUNTIME !== "node" && "npx runs the CLI on Node; Deno and Bun run src/cli.ts (cli.test.ts)",
}, async () => {
  const here = await realpath(await mkdtemp(join(PACKAGE_DIR, ".npx-cwd-")));
  await writeFile(join(here, "index.html"), "<h1>typed here</h1>");
  // Its own process group: npm does not pass SIGTERM on to the command it runs, so the stop signal goes
  // to the whole group (npm, and weft under it), all of which this test started.
  const child = spawn("npm", ["exec", "--", "weft", "serve", ".", "--port", "0"], {
    cwd: here,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let match: RegExpMatchArray | null = null;
    while (!(match = out.match(/serving (.+) at\n\s+(http:\/\/127\.0\.0\.1:\d+\/)/))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no start line; stdout: ${out}; stderr: ${err}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(match[1], here, "the folder the command was typed in, not the package's");
    assert.equal(await (await fetch(match[2]!)).text(), "<h1>typed here</h1>");
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
    await closed;
    await rm(here, { recursive: true, force: true });
  }
  assert.match(out, /weft: stopped\n/, `graceful stop; stderr: ${err}`);
});
