// One line per request: Common Log Format for files and pipes, a compact coloured line on a terminal.
import type { AccessLogEntry } from "@weft/core";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `[10/Oct/2000:13:55:36 +0000]`, always UTC (CLF's date, as Apache's access log writes it). */
function clfDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Bytes and quotes in a target must not break the log line (or a terminal): escape them. */
const safe = (text: string): string =>
  // deno-lint-ignore no-control-regex
  text.replace(/[\x00-\x1f\x7f"\\]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);

/** Common Log Format: `host ident authuser [date] "request" status bytes`. */
export function formatClf(entry: AccessLogEntry): string {
  const bytes = entry.bytes > 0 ? String(entry.bytes) : "-";
  return `${entry.remoteAddress} - - [${clfDate(entry.startedAt)}] "${entry.method} ${safe(entry.target)} ${entry.version}" ${entry.status} ${bytes}`;
}

const COLOR = { reset: "\x1b[0m", dim: "\x1b[2m", green: "\x1b[32m", cyan: "\x1b[36m", yellow: "\x1b[33m", red: "\x1b[31m" };
const statusColor = (status: number): string =>
  status >= 500 ? COLOR.red : status >= 400 ? COLOR.yellow : status >= 300 ? COLOR.cyan : COLOR.green;

function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** `13:55:36 GET /index.html 200 1.2 ms 4.0 KiB`, status coloured by class. */
export function formatCompact(entry: AccessLogEntry, color: boolean): string {
  const d = new Date(entry.startedAt);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const status = color ? `${statusColor(entry.status)}${entry.status}${COLOR.reset}` : String(entry.status);
  const worker = entry.workerId === undefined ? "" : ` w${entry.workerId}`;
  const tail = `${entry.durationMs.toFixed(1)} ms ${humanBytes(entry.bytes)}${worker}`;
  return `${color ? COLOR.dim : ""}${time}${color ? COLOR.reset : ""} ${entry.method} ${safe(entry.target)} ${status} ${color ? COLOR.dim : ""}${tail}${color ? COLOR.reset : ""}`;
}
