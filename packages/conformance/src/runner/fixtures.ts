// Starting and stopping fixture servers as child processes. Each fixture prints its port as a line on
// stdout; the runner never leaves a child behind (SIGTERM, then SIGKILL after a grace period, and a
// synchronous SIGKILL sweep on process exit).

import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURE_COMMANDS, type ServerId } from "../servers.ts";

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN_DIR = path.resolve(PACKAGE_DIR, "../../node_modules/.bin");
/** How long a fixture may take to print its port (Deno and Bun start cold on a busy 2-core machine). */
const START_TIMEOUT_MS = 30_000;
/** Grace between SIGTERM and SIGKILL on stop. */
const STOP_GRACE_MS = 2_000;
/** Stderr kept in memory per fixture, for the report when it fails to start or dies. */
const STDERR_KEEP_BYTES = 4_000;
/** Each fixture's whole stderr and its exit status also go to a file here, named per run; kept only for a
 * fixture that died during the run (its path is printed), removed after a clean stop. */
export const LOG_DIR = path.join(os.tmpdir(), "weft-conformance");

export interface Fixture {
  id: ServerId;
  port: number;
  /** null when attached to a server the runner did not start. */
  child: ChildProcess | null;
  /** Last bytes the fixture wrote to stderr. */
  stderr(): string;
  /** Whether the process exited by itself (a crash) while it should have been serving. */
  exited(): boolean;
  /** File holding the fixture's whole stderr and exit status. */
  logFile: string;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

export function startFixture(id: ServerId): Promise<Fixture> {
  const { bin, args } = FIXTURE_COMMANDS[id];
  const executable = bin === "node" ? process.execPath : path.join(BIN_DIR, bin);
  const child = spawn(executable, args, {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  children.add(child);
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${id}-${process.pid}.stderr.log`);
  const log = fs.createWriteStream(logFile);
  child.on("exit", (code, signal) => log.end(`\n[fixture exited: code ${code}, signal ${signal}]\n`));
  let stderr = "";
  let exited = false;
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP_BYTES);
    log.write(text);
  });
  child.on("exit", () => {
    exited = true;
    children.delete(child);
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${id}: ${why}${stderr ? `\n  stderr: ${stderr.trim().split("\n").slice(-6).join("\n          ")}` : ""}`));
    };
    const timer = setTimeout(() => fail(`no port printed within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.on("error", (error) => fail(`could not start (${error.message})`));
    child.on("exit", (code, signal) => fail(`exited before printing its port (code ${code}, signal ${signal})`));
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      stdout += text;
      const match = /^(\d+)\r?$/m.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.on("exit", () => {
        exited = true;
        children.delete(child);
      });
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      resolve({ id, port: Number(match[1]), child, stderr: () => stderr, exited: () => exited, logFile });
    });
  });
}

/** A server someone else started (CONFORMANCE_ATTACH): used, never stopped. */
export function attachFixture(id: ServerId, port: number): Fixture {
  return { id, port, child: null, stderr: () => "", exited: () => false, logFile: "" };
}

export function stopFixture(fixture: Fixture): Promise<void> {
  const { child } = fixture;
  if (child && !fixture.exited()) child.once("exit", () => fs.rmSync(fixture.logFile, { force: true }));
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Kill every child still running, at once (used on a deadline or an interrupt). */
export function killAll(): void {
  for (const child of children) child.kill("SIGKILL");
}
