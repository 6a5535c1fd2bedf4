/**
 * SData URLs as the engine sees them: an endpoint `{base}/sdata/{app}/{contract}/{dataset}/{kind}` (with its
 * query when it has one: a partition `{kind URL}?where=...`) or an application
 * `{base}/sdata/{app}/{contract}/{dataset}`. The URLs built on an endpoint: protocol/serviceUrl.ts.
 */
import { canonicalUrl } from '../protocol/endpointUrl';

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
  if (rest.length === 3) {
    if (u.search !== '') throw new Error(`'${url}' is an application URL with a query; a query names a partition of one kind (.../{kind}?where=...)`);
    return { level: 'application', applicationUrl };
  }
  return { level: 'endpoint', applicationUrl, endpointUrl: canonicalUrl(`${applicationUrl}/${rest[3]}${u.search}`), kind: decodeURIComponent(rest[3]) };
}
