/**
 * Random damage to a valid XML document, for the fuzz suite: elements dropped, repeated or nested deep,
 * attributes added or given other values, text replaced by extreme numbers or odd Unicode (raw or as
 * character references), then bytes flipped and the document truncated.
 *
 * A mutation is plain data drawn by fast-check (`mutationsArb`) and applied to one document by
 * `applyMutations`, so a failing case shrinks to a short list of readable steps.
 *
 * Some classes of damage can be switched off (`MutationClasses`): each switch names one class of input,
 * so a class whose handling is known to be missing can be left out and turned back on later.
 */
import fc from 'fast-check';

export interface MutationClasses {
  /** Bytes that are not valid UTF-8 (flips to any byte value, truncation inside a multi-byte character). */
  invalidUtf8: boolean;
  /** Characters XML 1.0 forbids (NUL and other C0 controls, U+FFFE, U+FFFF, lone surrogates), raw or as `&#...;`. */
  forbiddenCharacters: boolean;
  /** A sync page that names one `sdata:uuid` twice (an element carrying one repeated). */
  duplicateSyncUuids: boolean;
  /** A sync page whose `sdata:uuid` is not a UUID. */
  nonUuidSyncUuids: boolean;
  /** Elements nested thousands of levels deep. */
  deepNesting: boolean;
}

export const ALL_CLASSES: MutationClasses = { invalidUtf8: true, forbiddenCharacters: true, duplicateSyncUuids: true, nonUuidSyncUuids: true, deepNesting: true };

export type Mutation =
  | { op: 'dropElement'; pick: number }
  | { op: 'repeatElement'; pick: number; times: number }
  | { op: 'nestElement'; pick: number; depth: number }
  | { op: 'addAttribute'; pick: number; name: string; value: string }
  | { op: 'replaceAttribute'; pick: number; value: string }
  | { op: 'replaceText'; pick: number; value: string; raw: boolean }
  /** `inText`: the byte is one of a text value's (where a parser does not stop at it), else any byte. */
  | { op: 'flipByte'; at: number; value: number; inText: boolean }
  | { op: 'truncate'; at: number };

/** What a document is, for the classes that depend on it. */
export interface DocumentKind {
  syncPage: boolean;
}

// ---- values ----------------------------------------------------------------------------------------------

export const EXTREME_NUMBERS = [
  '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '-0', '0', '-1', '+3', '007', '0x10', '1_000', '1e-400', '5e-324',
  '1.7976931348623157e308', '2147483648', '4294967296', '9007199254740992', '9007199254740993', '9223372036854775807',
  '9223372036854775808', '-9223372036854775809', '18446744073709551616', '1'.repeat(400), '0.' + '3'.repeat(400), ' 7 ', '',
];

/** Dates and times at and beyond the ends of what JavaScript and PostgreSQL can hold. */
export const EXTREME_DATES = [
  '-271821-04-20T00:00:00Z', '-005000-01-01T00:00:00Z', '-000001-01-01', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '+275760-09-13T00:00:00.001Z',
  '99999', '9999-12-31T23:59:59.999+14:00', '2026-02-30', '2026-13-01T00:00:00Z', '2026-11-30T24:00:00Z', '2026-11-30T10:00:00', '1970-01-01T00:00:00-14:00',
];

export const ODD_STRINGS = [
  '😀𝕏𝄞', '\u{10FFFF}', 'e\u0301\u0308\u0327\u0323', '\u202Eevil\u202C', 'שלום עולם', 'مرحبا', '\u200B\u200D\uFEFF', 'ǅ ß İ ﬃ',
  '&amp;', '&lt;x/&gt;', ']]>', '\t\r\n', '  ', "'\"", '<x/>', '&nope;', '&#x1F600;', '&#65;',
];

/** Characters XML 1.0 does not allow in a document (production [2] Char), with the char references to them. */
export const FORBIDDEN_STRINGS = ['\u0000', 'a\u0001b', '\u001F', '\uFFFE', '\uFFFF', '\uD800', '\uDC00x', '&#0;', '&#x1;', '&#xFFFE;', '&#xD800;', '&#xDFFF;'];

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** True when the text holds a character XML forbids, raw or as a character reference. */
export function hasForbiddenCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    else if (cp >= 0xd800 && cp <= 0xdfff) return true; // a lone surrogate (a pair was taken whole above)
    if (!isXmlChar(cp)) return true;
  }
  for (const m of text.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const cp = m[1].startsWith('x') ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
    if (!isXmlChar(cp)) return true;
  }
  return false;
}

function valueArb(classes: MutationClasses): fc.Arbitrary<string> {
  const arb = fc.oneof(
    fc.constantFrom(...EXTREME_NUMBERS),
    fc.constantFrom(...EXTREME_DATES),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.double().map(String),
    fc.bigInt().map(String),
    fc.constantFrom(...ODD_STRINGS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme-composite', maxLength: 40 }),
    fc.tuple(fc.constantFrom('x', '😀', 'é', 'ß'), fc.constantFrom(1_000, 20_000, 60_000)).map(([s, n]) => s.repeat(n)),
    fc.uuid(),
    ...(classes.forbiddenCharacters ? [fc.constantFrom(...FORBIDDEN_STRINGS)] : []),
  );
  return classes.forbiddenCharacters ? arb : arb.filter((s) => !hasForbiddenCharacter(s));
}

const ATTRIBUTE_NAMES = ['sdata:uuid', 'sdata:key', 'sdata:isDeleted', 'sdata:url', 'xmlns', 'xmlns:sdata', 'xmlns:sync', 'foo', 'undeclared:foo', 'http:httpMethod'];

/** One to four random mutations (structural first, then bytes, as `applyMutations` applies them). */
export function mutationsArb(classes: MutationClasses): fc.Arbitrary<Mutation[]> {
  const pick = fc.nat();
  const value = valueArb(classes);
  const structural: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('dropElement' as const), pick }),
    fc.record({ op: fc.constant('repeatElement' as const), pick, times: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ op: fc.constant('addAttribute' as const), pick, name: fc.constantFrom(...ATTRIBUTE_NAMES), value }),
    fc.record({ op: fc.constant('replaceAttribute' as const), pick, value }),
    fc.record({ op: fc.constant('replaceText' as const), pick, value, raw: fc.boolean() }),
    fc.record({ op: fc.constant('replaceText' as const), pick, value, raw: fc.boolean() }),
    ...(classes.deepNesting ? [fc.record({ op: fc.constant('nestElement' as const), pick, depth: fc.constantFrom(100, 1_000, 5_000) })] : []),
  ];
  const bytes: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('flipByte' as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), value: fc.integer({ min: 0, max: 255 }), inText: fc.boolean() }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
  ];
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.oneof(...structural) }, { weight: 1, arbitrary: fc.oneof(...bytes) }), { minLength: 1, maxLength: 4 })
    .map((ms) => [...ms.filter((m) => m.op !== 'flipByte' && m.op !== 'truncate'), ...ms.filter((m) => m.op === 'flipByte' || m.op === 'truncate')]);
}

// ---- applying --------------------------------------------------------------------------------------------

type TokenKind = 'open' | 'close' | 'empty' | 'text' | 'other';

interface Token {
  kind: TokenKind;
  text: string;
}

const TOKEN = /<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\/[^>]*>|<[^>]*\/>|<[^>]*>|[^<]+/g;

function tokenize(xml: string): Token[] {
  return [...xml.matchAll(TOKEN)].map(([t]) => ({
    text: t,
    kind: t.startsWith('</') ? 'close' : t.startsWith('<?') || t.startsWith('<!') ? 'other' : t.startsWith('<') ? (t.endsWith('/>') ? 'empty' : 'open') : 'text',
  }));
}

/** Each element as the span of tokens [start, end] it covers. */
function elementsOf(tokens: Token[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const open: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'open') open.push(i);
    else if (t.kind === 'empty') out.push({ start: i, end: i });
    else if (t.kind === 'close' && open.length > 0) out.push({ start: open.pop()!, end: i });
  });
  return out.sort((a, b) => a.start - b.start);
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const ATTRIBUTE = /\s([\w:.-]+)="([^"]*)"/g;
const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

function structural(tokens: Token[], m: Mutation, classes: MutationClasses, doc: DocumentKind): Token[] {
  const elements = elementsOf(tokens);
  if (elements.length === 0) return tokens;
  const { start, end } = elements[('pick' in m ? m.pick : 0) % elements.length];
  const span = tokens.slice(start, end + 1);
  const protectsUuid = (value: string) => doc.syncPage && !classes.nonUuidSyncUuids && !isUuid(value);
  switch (m.op) {
    case 'dropElement':
      return [...tokens.slice(0, start), ...tokens.slice(end + 1)];
    case 'repeatElement': {
      if (doc.syncPage && !classes.duplicateSyncUuids && span.some((t) => t.text.includes('sdata:uuid='))) return tokens;
      return [...tokens.slice(0, end + 1), ...Array.from({ length: m.times }, () => span).flat(), ...tokens.slice(end + 1)];
    }
    case 'nestElement': {
      const wrap = (t: string): Token => ({ kind: t.startsWith('</') ? 'close' : 'open', text: t });
      return [...tokens.slice(0, start), ...Array.from({ length: m.depth }, () => wrap('<n>')), ...span, ...Array.from({ length: m.depth }, () => wrap('</n>')), ...tokens.slice(end + 1)];
    }
    case 'addAttribute': {
      if (m.name === 'sdata:uuid' && protectsUuid(m.value)) return tokens;
      const tag = tokens[start];
      const cut = tag.kind === 'empty' ? tag.text.length - 2 : tag.text.length - 1;
      return tokens.map((t, i) => (i === start ? { ...t, text: `${t.text.slice(0, cut)} ${m.name}="${escapeXml(m.value)}"${t.text.slice(cut)}` } : t));
    }
    case 'replaceAttribute': {
      const tag = tokens[start];
      const attrs = [...tag.text.matchAll(ATTRIBUTE)];
      if (attrs.length === 0) return tokens;
      const a = attrs[m.pick % attrs.length];
      if (a[1] === 'sdata:uuid' && protectsUuid(m.value)) return tokens;
      const at = a.index! + a[0].length - a[2].length - 1;
      const text = `${tag.text.slice(0, at)}${escapeXml(m.value)}${tag.text.slice(at + a[2].length)}`;
      return tokens.map((t, i) => (i === start ? { ...t, text } : t));
    }
    case 'replaceText': {
      const texts = tokens.map((t, i) => (t.kind === 'text' && t.text.trim() ? i : -1)).filter((i) => i >= 0);
      if (texts.length === 0) return tokens;
      const at = texts[m.pick % texts.length];
      return tokens.map((t, i) => (i === at ? { ...t, text: m.raw ? m.value : escapeXml(m.value) } : t));
    }
    default:
      return tokens;
  }
}

/** Byte offsets of the characters of the document's text values (whitespace-only text left out). */
function textBytePositions(bytes: Buffer): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const t of tokenize(bytes.toString('utf8'))) {
    const length = Buffer.byteLength(t.text, 'utf8');
    if (t.kind === 'text' && t.text.trim()) for (let i = 0; i < length; i++) out.push(offset + i);
    offset += length;
  }
  return out;
}

/** The byte values a flip may write: ASCII characters XML allows, plus those of the classes drawn. */
function byteValues(classes: MutationClasses): number[] {
  const all = Array.from({ length: 256 }, (_, b) => b);
  return all.filter((b) => (b >= 0x20 && b < 0x80) || (b >= 0x80 && classes.invalidUtf8) || (b < 0x20 && classes.forbiddenCharacters));
}

/** The document after the mutations, as the bytes to send. */
export function applyMutations(xml: string, mutations: Mutation[], classes: MutationClasses, doc: DocumentKind): Buffer {
  let tokens = tokenize(xml);
  for (const m of mutations) if (m.op !== 'flipByte' && m.op !== 'truncate') tokens = structural(tokens, m, classes, doc);
  let text = tokens.map((t) => t.text).join('');
  let bytes = Buffer.from(text, 'utf8');
  for (const m of mutations) {
    if (m.op === 'flipByte' && bytes.length > 0) {
      const positions = m.inText ? textBytePositions(bytes) : undefined;
      const at = positions && positions.length > 0 ? positions[Math.floor(m.at * positions.length)] : Math.floor(m.at * bytes.length);
      // A byte of a multi-byte character, or a byte >= 0x80 put alone, breaks UTF-8; a C0 control byte is a
      // character XML forbids: each only when its class is drawn.
      if (bytes[at] >= 0x80 && !classes.invalidUtf8) continue;
      const values = byteValues(classes);
      const out = Buffer.from(bytes);
      out[at] = values[m.value % values.length];
      bytes = out;
    } else if (m.op === 'truncate') {
      if (classes.invalidUtf8) bytes = bytes.subarray(0, Math.floor(m.at * bytes.length));
      else {
        text = bytes.toString('utf8');
        bytes = Buffer.from([...text].slice(0, Math.floor(m.at * [...text].length)).join(''), 'utf8');
      }
    }
  }
  return bytes;
}

// ---- what must be refused ----------------------------------------------------------------------------------

/** Deepest element nesting of a document (its root at depth 1). */
export function nestingDepth(xml: string): number {
  let depth = 0;
  let deepest = 0;
  for (const t of tokenize(xml)) {
    if (t.kind === 'open') deepest = Math.max(deepest, ++depth);
    else if (t.kind === 'empty') deepest = Math.max(deepest, depth + 1);
    else if (t.kind === 'close') depth--;
  }
  return deepest;
}

/** The nesting depth issue 8 asks the XML reader to refuse beyond (its default limit). */
export const NESTING_LIMIT = 64;

/**
 * Why a body of a drawn class must be refused (4xx), or undefined when nothing says it must: bytes that are
 * not the UTF-8 they claim, a character XML forbids, nesting beyond the limit. Only the classes drawn are
 * judged, so that a class left out is neither drawn nor judged.
 */
export function refusalExpected(body: Buffer, charset: string | undefined, classes: MutationClasses): string | undefined {
  const utf8 = charset === undefined || /^"?utf-8"?$/i.test(charset);
  if (classes.invalidUtf8 && utf8) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return 'the body is not valid UTF-8';
    }
  }
  const text = body.toString('utf8');
  if (classes.forbiddenCharacters && utf8 && hasForbiddenCharacter(text)) return 'the body holds a character XML forbids';
  if (classes.deepNesting && nestingDepth(text) > NESTING_LIMIT) return `the body nests elements deeper than ${NESTING_LIMIT}`;
  return undefined;
}
