// Running the case table against one server: modest concurrency for ordinary cases, exclusive cases
// alone afterwards, each case under a deadline, its connections always destroyed, and a liveness check
// (a fresh connection gets 200 for GET /) after every case.

import { RawConnection } from "../client.ts";
import type { Case, CaseContext } from "../cases/index.ts";
import { check, get } from "../cases/helpers.ts";
import { HOME_HTML } from "../fixture/app.ts";
import type { ServerId } from "../servers.ts";

/** Default deadline for one case. */
const CASE_TIMEOUT_MS = 15_000;
/** Deadline for the liveness request after each case. */
const LIVENESS_TIMEOUT_MS = 3_000;

export interface CaseResult {
  ok: boolean;
  message?: string;
  ms: number;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function liveness(port: number): Promise<void> {
  const conn = await RawConnection.open(port);
  try {
    await conn.write(get("/", "Connection: close"));
    check(await conn.read({ timeoutMs: LIVENESS_TIMEOUT_MS }), { status: 200, body: HOME_HTML }, "liveness");
  } finally {
    conn.destroy();
  }
}

export async function runCase(c: Case, server: ServerId, port: number): Promise<CaseResult> {
  const started = Date.now();
  const opened: RawConnection[] = [];
  const ctx: CaseContext = {
    server,
    port,
    connect: async () => {
      const conn = await RawConnection.open(port);
      opened.push(conn);
      return conn;
    },
  };
  try {
    await withDeadline(c.run(ctx), c.timeoutMs ?? CASE_TIMEOUT_MS, "case");
  } catch (error) {
    return { ok: false, message: describe(error), ms: Date.now() - started };
  } finally {
    for (const conn of opened) conn.destroy();
  }
  try {
    await withDeadline(liveness(port), LIVENESS_TIMEOUT_MS * 2, "liveness check");
  } catch (error) {
    return { ok: false, message: `liveness after the case: ${describe(error)}`, ms: Date.now() - started };
  }
  return { ok: true, ms: Date.now() - started };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n").filter((l) => l.trim() !== "").slice(0, 4).join(" | ");
  return String(error);
}

/** Run `cases` on one server; `onResult` sees each result as it lands. */
export async function runAll(
  cases: readonly Case[],
  server: ServerId,
  port: number,
  concurrency: number,
  onResult: (c: Case, result: CaseResult) => void,
): Promise<void> {
  const shared = cases.filter((c) => !c.exclusive);
  let next = 0;
  const worker = async () => {
    while (next < shared.length) {
      const c = shared[next++]!;
      onResult(c, await runCase(c, server, port));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  for (const c of cases.filter((c) => c.exclusive)) onResult(c, await runCase(c, server, port));
}
