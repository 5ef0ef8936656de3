/**
 * Lone surrogates never reach the disk. JSON.stringify writes one as a `\udXXX` escape (its only
 * \u escapes besides control characters, `\u00XX`), and DuckDB's JSON reader refuses it: a journal
 * line holding one fails the load of its whole segment (which then has to be read line by line and
 * mended, see store/duckdb/unloadable.ts). Validation refuses such text at the door (the contract's
 * `isText`); this is the guard at the journal, for anything that slipped by: U+FFFD takes the lone
 * surrogate's place.
 */

export const toWellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();
const wellFormedStrings = (_key: string, v: unknown) => (typeof v === 'string' ? toWellFormed(v) : v);
/** Present in any JSON text that escapes a lone surrogate (and, rarely, in one that escapes a
 * backslash before "ud": such text passes through the slow path unchanged). */
const ESCAPE = '\\ud';

/** JSON.stringify(value), with U+FFFD for any lone surrogate in its strings. */
export function wellFormedJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes(ESCAPE) ? JSON.stringify(value, wellFormedStrings) : text;
}

/** Lines of JSON (each ending in "\n"), with U+FFFD for any lone surrogate in their strings. */
export function wellFormedLines(text: string): string {
  if (!text.includes(ESCAPE)) return text;
  return text
    .split('\n')
    .map((line) => (line.includes(ESCAPE) ? wellFormedJson(JSON.parse(line)) : line))
    .join('\n');
}
