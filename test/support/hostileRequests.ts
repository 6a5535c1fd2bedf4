/**
 * Hostile requests for the fuzz suite over every route: URLs made from the routes of a role table
 * (src/security/roles.ts) with their parts real or hostile, query parameters (every name the OpenAPI
 * document lists, and a few unknown) given hostile values, and damaged SData JSON bodies.
 *
 * Everything is plain data drawn by fast-check, so a failing case shrinks to a readable request and a seed
 * reproduces it. Characters XML forbids (C0 controls, U+FFFE, U+FFFF, lone surrogates; NUL in JSON values)
 * in URL parts, query values and JSON values form a class of their own (`forbiddenCharacters`), which
 * FUZZ_SKIP_CLASSES can switch off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { EXTREME_DATES, EXTREME_NUMBERS, FORBIDDEN_STRINGS, ODD_STRINGS } from './xmlMutations';

export interface HostileClasses {
  /** Characters XML forbids inside JSON string values (a value the XML writer cannot write back). */
  forbiddenCharacters: boolean;
}

/** The query parameter names the OpenAPI document lists for the paths `paths` accepts (`$ref`s followed). */
export function openApiQueryNames(paths: (path: string) => boolean = () => true): string[] {
  const doc = parse(readFileSync(join(__dirname, '../../openapi/openapi.yaml'), 'utf8')) as { paths: Record<string, unknown>; components?: { parameters?: Record<string, unknown> } };
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.$ref === 'string' && o.$ref.startsWith('#/components/parameters/')) walk(doc.components?.parameters?.[o.$ref.slice('#/components/parameters/'.length)]);
      if (o.in === 'query' && typeof o.name === 'string') names.add(o.name);
      Object.values(o).forEach(walk);
    }
  };
  for (const [path, item] of Object.entries(doc.paths)) if (paths(path)) walk(item);
  return [...names].sort();
}

/** Text put into a URL as it is (already percent-encoded, or deliberately not). */
const RAW_JUNK = ['%', '%%', '%zz', '%FF', '%C0%80', '%ED%A0%80', '%E0%A4%A', '%00', 'a%00b', '%F4%90%80%80', '%2F', '%27', "'", "''", '(', ')', '%28%29', '+', '%20', '%0A', '%0D%0A'];
/** Percent-encoded characters XML forbids but for NUL (a URL with NUL is refused before anything echoes it). */
const RAW_FORBIDDEN = ['%01', 'a%1Fb', '%EF%BF%BF', '%EF%BF%BE', '%7F%08'];

/** Values a query parameter or a URL part may be given: NUL, huge and negative integers, non-numbers, doubled words, long strings, junk. */
const HOSTILE_TEXT = [
  '\u0000', 'a\u0000', '', ' ', '-1', '0', '-0', '1.5', '1e3', '0x10', 'NaN', 'Infinity', 'true', 'null', 'undefined', '[]', '{}',
  '99999999999999999999', '999999999999999999999', '9007199254740992', '9223372036854775808', '-9223372036854775809', '2147483648',
  'desc desc', 'name desc desc', 'name name', 'asc asc', 'keep keep', 'json json', 'name,name', ',', 'a,,b', "name eq 'x' and", "' or 1=1 --",
  'x'.repeat(10_000), '9'.repeat(1_000), '😀', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ...EXTREME_NUMBERS, ...EXTREME_DATES, ...ODD_STRINGS,
];

const isForbiddenInXml = (s: string): boolean => /[\u0001-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/.test(s);

/** The classes of hostile values, each drawn as often as the others. */
const VALUE_CLASSES: string[][] = [
  ['\u0000', 'a\u0000'],
  ['99999999999999999999', '999999999999999999999', '9007199254740992', '9223372036854775808', '2147483648', '18446744073709551616', '9'.repeat(1_000)],
  ['-1', '-0', '-9223372036854775809', '0', '1.5', '1e3', '0x10', 'NaN', 'Infinity', 'true', 'null', '[]', '{}', '', ' '],
  ['desc desc', 'name desc desc', 'name asc desc', 'name name', 'asc asc', 'keep keep', 'json json', 'name,name', ',', 'a,,b'],
  ['x'.repeat(10_000), "name eq 'x' and", "' or 1=1 --", '00000000-0000-0000-0000-000000000000'],
];

/** One part of a URL: a hostile value percent-encoded, or raw junk as it is. */
export function urlPartArb(classes: HostileClasses): fc.Arbitrary<string> {
  const texts = [...HOSTILE_TEXT, ...(classes.forbiddenCharacters ? FORBIDDEN_STRINGS.filter((f) => !f.startsWith('&')) : [])];
  const encoded = (v: string): string => (isWellFormedText(v) ? encodeURIComponent(v) : '%ED%A0%80');
  return fc.oneof(
    ...VALUE_CLASSES.map((values) => fc.constantFrom(...values).map(encoded)),
    fc.constantFrom(...texts).map(encoded),
    fc.constantFrom(...RAW_JUNK, ...(classes.forbiddenCharacters ? RAW_FORBIDDEN : [])),
    fc.string({ maxLength: 30 }).filter((v) => classes.forbiddenCharacters || !isForbiddenInXml(v)).map(encoded),
  );
}

/** False for text holding a lone surrogate (encodeURIComponent throws on it). */
function isWellFormedText(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** `name=value` pairs (zero to four) for a query string: the route's names mostly, others and unknown ones too, hostile values, sometimes repeated. */
export function queryArb(names: string[], others: string[], classes: HostileClasses): fc.Arbitrary<string> {
  const name = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(...others, 'unknown', '', '%00', 'startindex', '_', '$x') });
  const pair = fc.tuple(name, urlPartArb(classes)).map(([n, v]) => `${n}=${v}`);
  return fc.array(pair, { maxLength: 4 }).map((pairs) => pairs.join('&'));
}

/** Parts that stand for a whole path prefix (`/sdata/app/contract/dataset[/kind]`), not one segment. */
const PREFIXES = new Set(['ep', 'dataset']);

/**
 * A route pattern of a role table with its parts filled in: `parts` gives each part's values (real, or
 * hostile where a part is a whole path prefix such as `{ep}`); a part of one segment is hostile one time in four.
 */
export function urlArb(pattern: string, parts: Record<string, fc.Arbitrary<string>>, classes: HostileClasses): fc.Arbitrary<string> {
  const names = [...pattern.matchAll(/\{(\w+)\}|\('(\w+)'\)/g)].map((m) => m[1] ?? m[2]);
  if (names.length === 0) return fc.constant(pattern);
  const valueOf = (n: string): fc.Arbitrary<string> => (PREFIXES.has(n) ? parts[n] : fc.oneof({ weight: 3, arbitrary: parts[n] ?? fc.constant(n) }, { weight: 1, arbitrary: urlPartArb(classes) }));
  return fc.tuple(...names.map(valueOf)).map((values) => {
    let i = 0;
    return pattern.replace(/\{(\w+)\}|\('(\w+)'\)/g, (m) => (m.startsWith('(') ? `('${values[i++]}')` : values[i++]));
  });
}

// ---- JSON bodies -----------------------------------------------------------------------------------------

const HUGE_NUMBERS = [1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63), 2 ** 64, 5e-324, -0, 0.1 + 0.2, 1e21, 123456789012345680000];

function jsonValueArb(classes: HostileClasses): fc.Arbitrary<unknown> {
  const strings = [...HOSTILE_TEXT.filter((s) => classes.forbiddenCharacters || !s.includes('\u0000')), ...(classes.forbiddenCharacters ? FORBIDDEN_STRINGS : [])];
  return fc.oneof(
    fc.constantFrom(...strings),
    fc.constantFrom(...HUGE_NUMBERS),
    fc.constantFrom(true, false, null, [], {}, [1, 'x'], { $uuid: 7 }, { $uuid: 'not-a-uuid' }, { $resources: 'x' }, { $resources: [1, null, 'x'] }),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 20 }).filter((s) => classes.forbiddenCharacters || !(s.includes('\u0000') || isForbiddenInXml(s))),
  );
}

/** One damage done to a JSON entry. */
export type JsonDamage =
  | { op: 'setValue'; key: string; value: unknown }
  | { op: 'manyKeys'; count: number }
  | { op: 'nest'; key: string; depth: number }
  | { op: 'replaceWhole'; value: unknown };

export function jsonDamageArb(keys: string[], classes: HostileClasses): fc.Arbitrary<JsonDamage[]> {
  const key = fc.oneof(fc.constantFrom(...keys, '$key', '$uuid', '$name', '$url', '$etag', '$resources', '__proto__', 'constructor', ''), fc.string({ maxLength: 10 }));
  const damage: fc.Arbitrary<JsonDamage> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('setValue' as const), key, value: jsonValueArb(classes) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('manyKeys' as const), count: fc.constantFrom(50, 999, 1000, 1001, 5000) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), key, depth: fc.constantFrom(2, 7, 8, 9, 200) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('replaceWhole' as const), value: jsonValueArb(classes) }) },
  );
  return fc.array(damage, { minLength: 1, maxLength: 4 });
}

/** The JSON text of `entry` with the damage done (keys set with defineProperty, so `__proto__` is a plain key). */
export function applyJsonDamage(entry: Record<string, unknown>, damage: JsonDamage[]): string {
  let doc: unknown = structuredClone(entry);
  for (const d of damage) {
    const obj = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
    if (d.op === 'replaceWhole') doc = d.value;
    else if (!obj) continue;
    else if (d.op === 'setValue') Object.defineProperty(obj, d.key, { value: d.value, enumerable: true, writable: true, configurable: true });
    else if (d.op === 'manyKeys') for (let i = 0; i < d.count; i++) obj[`extra${i}`] = i;
    else {
      let value: unknown = 'deep';
      for (let i = 0; i < d.depth; i++) value = i % 2 === 0 ? { [d.key || 'k']: value } : [value];
      Object.defineProperty(obj, d.key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return JSON.stringify(doc);
}
