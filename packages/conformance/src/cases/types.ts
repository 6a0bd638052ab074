// The shape of one conformance case. Cases are rows in one shared table (./index.ts); the runner runs
// every row against every server. A native server's known gap is a named flag on the row (`gaps`),
// never a copy of the case.

import type { RawConnection } from "../client.ts";
import type { NativeServerId, ServerId } from "../servers.ts";

export interface CaseContext {
  readonly server: ServerId;
  readonly port: number;
  /** A fresh connection to the server under test; the runner destroys it after the case. */
  connect(): Promise<RawConnection>;
}

export interface Case {
  /** Unique, says the behaviour (`smuggle: CL + TE → 400`). */
  name: string;
  group: string;
  run(ctx: CaseContext): Promise<void>;
  /** Native reference servers known to fail this case, each with the reason. Only native servers can
   * have gaps: a weft failure always fails the run. */
  gaps?: Partial<Record<NativeServerId, string>>;
  /** Deadline for the whole case (default in the runner). */
  timeoutMs?: number;
  /** Run alone on its server (many connections, or timing-sensitive under load). */
  exclusive?: boolean;
}
