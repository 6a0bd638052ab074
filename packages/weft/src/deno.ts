// weft on Deno: the "deno" export condition and the explicit "weft/deno" subpath resolve here.
export { serve } from "@weft/deno";
export { fs } from "@weft/deno";
export type * from "@weft/core";
