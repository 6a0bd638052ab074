// The HTML directory listing: what `python -m http.server` and `npx serve` show for a folder.
// Every name is HTML-escaped in text and percent-encoded in links: a file called `<img onerror=…>` or
// `a"b` must show as text and link to itself, never inject markup.
import type { DirEntry, FileSystem } from "../ports.ts";

/** How many entries are stat'ed at once: bounds open file-system requests for huge folders. */
const STAT_BATCH = 64;

export interface ListingRow {
  name: string;
  isDirectory: boolean;
  size: number | null;
  mtimeMs: number | null;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Read and stat the entries of `dirPath`; dotfiles are left out unless `showDotfiles`. Entries that
 * vanish between readDir and stat are listed without size. Symlinks are listed by name only, never
 * stat'ed: their target may be outside the root, and its size and date are not ours to show (following
 * the link goes through serveStatic's containment check, and a folder link redirects to its slash form). */
export async function readListing(fs: FileSystem, dirPath: string, showDotfiles: boolean): Promise<ListingRow[]> {
  const entries = (await fs.readDir(dirPath)).filter((e: DirEntry) => showDotfiles || !e.name.startsWith("."));
  const rows: ListingRow[] = [];
  for (let i = 0; i < entries.length; i += STAT_BATCH) {
    const batch = entries.slice(i, i + STAT_BATCH);
    const stats = await Promise.all(batch.map((e) => (e.isSymlink ? null : fs.stat(`${dirPath}/${e.name}`).catch(() => null))));
    batch.forEach((entry, j) => {
      const stat = stats[j] ?? null;
      const isDirectory = stat ? stat.isDirectory : entry.isDirectory;
      rows.push({ name: entry.name, isDirectory, size: stat && !isDirectory ? stat.size : null, mtimeMs: stat?.mtimeMs ?? null });
    });
  }
  // Folders first, then by name: what every file manager does.
  rows.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows;
}

/** The listing page for `urlPath` (already canonical, percent-encoded, ending in "/"). */
export function renderListing(urlPath: string, rows: readonly ListingRow[]): string {
  let shownPath: string;
  try {
    shownPath = decodeURIComponent(urlPath);
  } catch {
    shownPath = urlPath;
  }
  const title = `Index of ${escapeHtml(shownPath)}`;
  const lines = rows.map((row) => {
    const href = encodeURIComponent(row.name) + (row.isDirectory ? "/" : "");
    const label = escapeHtml(row.name) + (row.isDirectory ? "/" : "");
    const size = row.size === null ? "-" : humanSize(row.size);
    const date = row.mtimeMs === null ? "-" : new Date(row.mtimeMs).toISOString().replace("T", " ").slice(0, 19);
    return `<tr><td><a href="./${escapeHtml(href)}">${label}</a></td><td>${size}</td><td>${date}</td></tr>`;
  });
  if (urlPath !== "/") lines.unshift(`<tr><td><a href="../">../</a></td><td></td><td></td></tr>`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:.15em 1.5em .15em 0}td:nth-child(2){text-align:right}</style>
</head><body><h1>${title}</h1>
<table><thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead><tbody>
${lines.join("\n")}
</tbody></table></body></html>
`;
}
