// Input quoted in an error message is cut to about 200 characters: a message
// names the field and shows enough of the value to recognise it, never a
// 20 MB CSV header or a megabyte id sent back to the client or into a log.
// The one helper every message that quotes input uses (service, CLI,
// catalogs). Imports nothing, so any layer can use it.

export const QUOTE_MAX_CHARS = 200;

/** The first `max` characters of `text`, not splitting a surrogate pair. */
function head(text: string, max: number): string {
  const c = text.charCodeAt(max - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/** `text` if short, else its first `max` characters and how long it was. */
export function clip(text: string, max = QUOTE_MAX_CHARS): string {
  return text.length <= max ? text : `${head(text, max)}... (${text.length} characters)`;
}

/** Any value as a message shows it: numbers as written (NaN included), strings JSON-quoted, the rest as JSON; clipped. */
export function show(v: unknown, max = QUOTE_MAX_CHARS): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.length <= max ? JSON.stringify(v) : `${JSON.stringify(head(v, max))}... (${v.length} characters)`;
  if (typeof v === 'bigint') return clip(v.toString(), max);
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    // cyclic
  }
  return clip(json ?? String(v), max);
}
