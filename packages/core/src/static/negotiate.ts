// Content-Type and content-coding choices for static files.
import mime from "mime";

/** Media types that are text even though they are not `text/*`: they get `; charset=utf-8` so a
 * browser never guesses the encoding (RFC 9110 §8.3.2). */
const TEXT_LIKE = new Set([
  "application/javascript",
  "application/ecmascript",
  "application/json",
  "application/xml",
  "application/xhtml+xml",
  "image/svg+xml",
]);
const FALLBACK_TYPE = "application/octet-stream";

/** Content-Type for a file name, from the `mime` package's database (maintained from mime-db). */
export function contentTypeOf(name: string): string {
  const type = mime.getType(name) ?? FALLBACK_TYPE;
  const isText = type.startsWith("text/") || TEXT_LIKE.has(type) || type.endsWith("+json") || type.endsWith("+xml");
  return isText ? `${type}; charset=utf-8` : type;
}

/** Binary formats that compress well; with the text-like ones, the only files for which precompressed
 * siblings are looked up (images, video, archives are already compressed: no extra stat per request). */
const COMPRESSIBLE = new Set(["application/wasm", "application/vnd.ms-fontobject", "font/ttf", "font/otf"]);

/** Worth looking for `.br` / `.gz` siblings of a file with this Content-Type? */
export const isCompressible = (contentType: string): boolean =>
  contentType.includes("charset=utf-8") || COMPRESSIBLE.has(contentType);

/** A precompressed sibling: `file.br` holds `file` compressed with `coding`. */
export interface Coding {
  coding: "br" | "gzip";
  suffix: ".br" | ".gz";
}
/** In order of preference when the client weighs them equally: br is smaller. */
export const CODINGS: readonly Coding[] = [
  { coding: "br", suffix: ".br" },
  { coding: "gzip", suffix: ".gz" },
];

/** Quality values per coding from Accept-Encoding (RFC 9110 §12.5.3). Absent header → empty map (only
 * identity is acceptable for our purpose: a client that says nothing gets the plain file). */
function qualities(header: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of header.split(",")) {
    const [name, ...params] = item.split(";");
    const coding = name!.trim().toLowerCase();
    if (!coding) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key?.trim().toLowerCase() === "q") {
        const parsed = Number(value?.trim());
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    out.set(coding === "x-gzip" ? "gzip" : coding, q);
  }
  return out;
}

/** The codings the client accepts (q > 0), best first. `*` covers codings not named; q=0 refuses. */
export function acceptedCodings(header: string | null): Coding[] {
  if (header === null) return [];
  const q = qualities(header);
  const star = q.get("*") ?? 0;
  const weighted = CODINGS.map((c, i) => ({ c, i, q: q.get(c.coding) ?? star })).filter((x) => x.q > 0);
  weighted.sort((a, b) => b.q - a.q || a.i - b.i);
  return weighted.map((x) => x.c);
}
