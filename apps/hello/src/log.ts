// One access-log line per request, Common Log Format plus the duration:
//   127.0.0.1 - - [22/Nov/2026:05:20:01 +0000] "GET / HTTP/1.1" 200 163 0.4ms
import type { AccessLogEntry } from "weft";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number): string => String(n).padStart(2, "0");

function clfDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Control characters and quotes in a target would break the line (or a terminal): escaped. */
const safe = (text: string): string =>
  // deno-lint-ignore no-control-regex
  text.replace(/[\x00-\x1f\x7f"\\]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);

export function accessLine(entry: AccessLogEntry): string {
  const bytes = entry.bytes > 0 ? String(entry.bytes) : "-";
  return `${entry.remoteAddress} - - [${clfDate(entry.startedAt)}] "${entry.method} ${safe(entry.target)} ${entry.version}" ${entry.status} ${bytes} ${entry.durationMs.toFixed(1)}ms`;
}
