// The Date field of every response (RFC 9110 §6.6.1), formatted at most once per second.
//
// An origin server with a clock MUST send Date on 2xx/3xx/4xx responses; the value has one-second
// resolution, so formatting it per response is wasted work on a hot keep-alive path. The cache is keyed on
// the whole second (not refreshed by a timer), so an idle server does no work and a busy one formats the
// string once per second.

const MS_PER_SECOND = 1000;

/** Formats `ms` (since the epoch; default: the clock's now) as an IMF-fixdate, e.g.
 * `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7). */
export type HttpDateClock = (ms?: number) => string;

/** Builds an IMF-fixdate formatter over an injectable clock (ms since the epoch), so tests can move time
 * without sleeping. */
export function createHttpDate(now: () => number = Date.now): HttpDateClock {
  let cachedSecond = Number.NaN;
  let cachedValue = "";
  return (at?: number) => {
    const ms = at === undefined ? now() : at;
    const second = Math.floor(ms / MS_PER_SECOND);
    if (second !== cachedSecond) {
      cachedSecond = second;
      // ECMA-262 §21.4.4.43 defines toUTCString as exactly the IMF-fixdate layout
      // ("Www, DD Mmm YYYY HH:MM:SS GMT") for four-digit years.
      cachedValue = new Date(second * MS_PER_SECOND).toUTCString();
    }
    return cachedValue;
  };
}

/** IMF-fixdate of now (or of the given ms), from the shared per-second cache. */
export const httpDate: HttpDateClock = createHttpDate();
