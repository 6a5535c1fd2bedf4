/**
 * SData URLs as the engine sees them: an endpoint `{base}/sdata/{app}/{contract}/{dataset}/{kind}` (a
 * partition's with its `?where=`, PROTOCOL.md 2.9) or an application `{base}/sdata/{app}/{contract}/{dataset}`,
 * and the sync service URLs built on an endpoint (`{kind}/$service?where=...` for a partition).
 */
import { randomUUID } from 'node:crypto';
import { canonicalUrl, serviceUrlOf } from '../protocol/endpointUrl';

export type SDataUrl =
  | { level: 'application'; applicationUrl: string }
  | { level: 'endpoint'; applicationUrl: string; endpointUrl: string; kind: string };

/** Classifies an SData URL (in its one spelling, protocol/endpointUrl.ts); throws a plain Error naming the URL when it is neither form. */
export function parseSDataUrl(url: string): SDataUrl {
  let u: URL;
  try {
    u = new URL(canonicalUrl(url));
  } catch {
    throw new Error(`'${url}' is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`'${url}' is not an http(s) URL`);
  const segments = u.pathname.split('/').filter((s) => s !== '');
  const at = segments.indexOf('sdata');
  const rest = at < 0 ? [] : segments.slice(at + 1);
  if (rest.length !== 3 && rest.length !== 4) {
    throw new Error(`'${url}' is neither an application URL (.../sdata/{app}/{contract}/{dataset}) nor an endpoint URL (.../{kind})`);
  }
  const applicationUrl = `${u.origin}/${segments.slice(0, at + 4).join('/')}`;
  if (rest.length === 3) return { level: 'application', applicationUrl };
  const where = u.searchParams.get('where');
  const query = where === null ? '' : `?where=${encodeURIComponent(where)}`;
  return { level: 'endpoint', applicationUrl, endpointUrl: canonicalUrl(`${applicationUrl}/${rest[3]}${query}`), kind: decodeURIComponent(rest[3]) };
}

/** The URL with these query parameters set (undefined ones left out). */
export function withParams(url: string, params: Record<string, string | number | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

/** `{ep}/$service` with query parameters. */
export function serviceUrl(endpointUrl: string, service: string, params: Record<string, string | number | undefined> = {}): string {
  return withParams(serviceUrlOf(endpointUrl.replace(/\/+$/, ''), service), params);
}
