/**
 * What text XML 1.0 can carry (XML 1.0 section 2.2): `Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]`. A JavaScript string is UTF-16: a surrogate not paired with its
 * other half is no character at all, so it is refused too. Every way a value comes in (JSON bodies; XML
 * bodies are refused by the parser already), every value served in a feed and the XML writer itself use
 * this one rule, so a value that would make a document ill-formed is never stored or written.
 */

/** One character XML 1.0 cannot carry (with the `u` flag, a lone surrogate is one such character). */
const FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, 'gu');

/** The first character of `text` XML cannot carry: its 0-based position (in code points) and code point. */
export interface ForbiddenChar {
  /** 0-based position in characters (code points, as a reader counts them). */
  position: number;
  codePoint: number;
}

/** True when XML 1.0 can carry every character of `text`. */
export function isXmlText(text: string): boolean {
  return !FORBIDDEN.test(text);
}

/** The first character of `text` XML 1.0 cannot carry, or undefined when there is none. */
export function forbiddenXmlChar(text: string): ForbiddenChar | undefined {
  const m = FORBIDDEN.exec(text);
  if (!m) return undefined;
  return { position: [...text.slice(0, m.index)].length, codePoint: m[0].codePointAt(0)! };
}

/** `U+FFFF`: a code point as people write it. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `text` cannot be carried, for a diagnosis: `U+FFFF at character 2, which XML 1.0 cannot carry`. */
export function forbiddenCharMessage(found: ForbiddenChar): string {
  return `${codePointName(found.codePoint)} at character ${found.position + 1}, which XML 1.0 cannot carry`;
}

/** `text` with every character XML cannot carry shown as `U+XXXX` (for echoing a name or path in a diagnosis). */
export function showForbiddenChars(text: string): string {
  return isXmlText(text) ? text : text.replace(FORBIDDEN_ALL, (c) => codePointName(c.codePointAt(0)!));
}

/** `text` with U+FFFD (the replacement character) in place of every character XML cannot carry. */
export function replaceForbiddenChars(text: string): string {
  return text.replace(FORBIDDEN_ALL, '\uFFFD');
}

/**
 * The first string inside a JSON-like value (object keys included, depth first, in order) that XML cannot
 * carry, with the path to it (`lines/2/qty`, keys shown with `showForbiddenChars`); undefined when none.
 */
export function forbiddenInValue(value: unknown, path = ''): { path: string; found: ForbiddenChar } | undefined {
  if (typeof value === 'string') {
    const found = forbiddenXmlChar(value);
    return found ? { path, found } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const at = (k: string) => (path === '' ? k : `${path}/${k}`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = forbiddenInValue(value[i], at(String(i + 1)));
      if (hit) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyFound = forbiddenXmlChar(k);
    if (keyFound) return { path: at(showForbiddenChars(k)), found: keyFound };
    const hit = forbiddenInValue(v, at(k));
    if (hit) return hit;
  }
  return undefined;
}
