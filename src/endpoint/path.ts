/**
 * The SData URL grammar of an endpoint server, parsed without I/O:
 *
 *   /sdata/{app}/{contract}/{dataset}/{kind}[('KEY')][/$service[('ARG')][/$action]]
 *   /sdata/{app}/{contract}/{dataset}/$service            (dataset-level services, e.g. $schema)
 *   /sdata, /sdata/{app}, /sdata/{app}/{contract}         intermediate URLs (SData core 2.9): an UpperPath
 *
 * Each path segment is percent-decoded on its own before it is matched (clients send `%24syncDigest`,
 * `accounts('A%20B')`), so an encoded `/` inside a key stays part of the key. Keys and arguments are quoted
 * with single quotes, a quote inside doubled (`('O''Brien')`); a bare token without quotes, spaces or
 * parentheses (`('12')` or `(12)`) is accepted too.
 */
import { SDataError } from '../protocol/diagnosis';
import { isStorableText } from '../protocol/boundedValues';

export interface SDataPath {
  app: string;
  contract: string;
  dataset: string;
  /** Absent for a dataset-level service. */
  kind?: string;
  key?: string;
  service?: string;
  serviceArg?: string;
  action?: string;
}

/** An intermediate URL above a dataset: the provider, an application or a contract. */
export interface UpperPath {
  app?: string;
  contract?: string;
}

/** True for a parsed path that names a dataset (or something in it), false for an intermediate URL above one. */
export function isDatasetPath(path: SDataPath | UpperPath): path is SDataPath {
  return 'dataset' in path;
}

const badUrl = (message: string): SDataError => new SDataError(400, { sdataCode: 'BadUrlSyntax', message });

/** One path segment percent-decoded; 400 BadUrlSyntax when its encoding is not valid or it holds U+0000 (no name or key can). */
function decodeSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badUrl(`path segment '${raw.slice(0, 200)}' is not valid percent-encoding`);
  }
  if (!isStorableText(decoded)) throw badUrl(`path segment '${raw.slice(0, 200)}' holds U+0000, which no name or key can hold`);
  return decoded;
}

const SELECTOR = /^([^()]+?)(?:\((.*)\))?$/s;
const BARE_TOKEN = /^[A-Za-z0-9_.:@-]+$/;

/** Reads the inside of `(...)`: `'a''b'` -> `a'b`, or a bare token. */
function selectorValue(inner: string, segment: string): string {
  if (inner.length >= 2 && inner.startsWith("'") && inner.endsWith("'")) {
    const body = inner.slice(1, -1);
    if (body.replace(/''/g, '').includes("'")) throw badUrl(`unescaped quote in '${segment}' (write a quote inside a key as '')`);
    return body.replace(/''/g, "'");
  }
  if (BARE_TOKEN.test(inner)) return inner;
  throw badUrl(`'${segment}': a key or argument is written ('KEY'), with quotes inside doubled`);
}

/** `name` or `name('ARG')` -> [name, arg]. */
function splitSelector(segment: string): [string, string | undefined] {
  const m = SELECTOR.exec(segment);
  if (!m) throw badUrl(`'${segment}' is not a name or name('KEY')`);
  return [m[1], m[2] === undefined ? undefined : selectorValue(m[2], segment)];
}

/** Parses a request path (without query string) under `/sdata`; undefined when it is not under `/sdata`. */
export function parseSDataPath(pathname: string): SDataPath | UpperPath | undefined {
  const raw = pathname.split('/');
  if (raw[0] !== '' || raw[1] !== 'sdata') return undefined;
  const segs = raw.slice(2);
  if (segs.length > 0 && segs[segs.length - 1] === '') segs.pop();
  if (segs.some((s) => s === '')) throw badUrl(`empty path segment in ${pathname}`);
  const decoded = segs.map(decodeSegment);
  if (decoded.length < 3) {
    if (decoded.some((s) => s.startsWith('$'))) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: 'services live under /sdata/{application}/{contract}/{dataset}' });
    const [app, contract] = decoded;
    return contract !== undefined ? { app, contract } : app !== undefined ? { app } : {};
  }
  const [app, contract, dataset, ...rest] = decoded;
  const path: SDataPath = { app, contract, dataset };
  if (rest.length === 0) return path;

  let i = 0;
  if (!rest[0].startsWith('$')) {
    const [kind, key] = splitSelector(rest[0]);
    path.kind = kind;
    if (key !== undefined) path.key = key;
    i = 1;
  }
  if (i < rest.length) {
    if (!rest[i].startsWith('$')) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `'${rest[i]}' is not a service ($name)` });
    const [service, arg] = splitSelector(rest[i]);
    path.service = service;
    if (arg !== undefined) path.serviceArg = arg;
    i += 1;
  }
  if (i < rest.length) {
    if (!rest[i].startsWith('$') || rest[i].includes('(')) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `'${rest[i]}' is not an action ($name)` });
    path.action = rest[i];
    i += 1;
  }
  if (i < rest.length) throw new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `nothing is served below ${rest.slice(0, i).join('/')}` });
  return path;
}

