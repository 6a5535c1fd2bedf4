/**
 * Plays the engine by hand over HTTP (supertest against an endpoint app): GET the target digest, POST it
 * to the source's $syncSource, poll, forward every page to the target's $syncTarget, poll, DELETE the
 * contexts. Used by the sync-feed tests; the real engine lives in src/engine.
 */
import request from 'supertest';
import type { Express } from 'express';
import { parseXml } from '../../src/atom/xml';
import { asText } from '../endpoint/support/app';
import { linkHref } from '../../src/atom/feed';
import { parseResultFeed, type ResultEntry } from '../../src/atom/resultFeed';
import { parseTracking } from '../../src/atom/tracking';
import { parseDigestDocument } from '../../src/atom/digestXml';
import type { Digest } from '../../src/protocol/types';

export const pathOf = (url: string): string => new URL(url).pathname + new URL(url).search;

/** `{ep}/$service?query`, the endpoint's own query (a partition's `where`) kept after the service's. */
export function serviceUrl(endpoint: string, service: string, query = ''): string {
  const [base, own] = endpoint.split('?', 2);
  const params = [query, own].filter((q) => q !== undefined && q !== '').join('&');
  return `${base}/${service}${params ? `?${params}` : ''}`;
}

const text = (res: request.Response): string => (typeof res.body === 'string' ? res.body : typeof res.text === 'string' ? res.text : '');

/** Follows 202 answers until the final one. */
export async function settle(app: Express, res: request.Response): Promise<request.Response> {
  let r = res;
  for (let i = 0; r.status === 202 && i < 1000; i++) {
    const wait = parseTracking(text(r)).pollingMillis ?? 50;
    await new Promise((ok) => setTimeout(ok, Math.min(wait, 200)));
    r = await asText(request(app).get(pathOf(r.headers.location)));
  }
  return r;
}

export async function getDigestXml(app: Express, endpointUrl: string): Promise<string> {
  const r = await asText(request(app).get(pathOf(serviceUrl(endpointUrl, '$syncDigest'))));
  if (r.status !== 200) throw new Error(`GET digest ${endpointUrl}: ${r.status} ${text(r)}`);
  return text(r);
}

export async function getDigest(app: Express, endpointUrl: string): Promise<Digest> {
  return parseDigestDocument(parseXml(await getDigestXml(app, endpointUrl)));
}

export interface PassOutcome {
  pages: number;
  results: ResultEntry[];
  /** Raw page bodies as the source sent them. */
  pageBodies: string[];
  resultBodies: string[];
  completed: boolean;
}

export interface PassOptions {
  count?: number;
  /** Stop after this many pages (a cut pass): the source context is dropped, the rest is never posted. */
  stopAfterPages?: number;
  runName?: string;
  /** Called before each page is read from the source (to change data between pages). */
  beforePage?: (n: number) => Promise<void>;
}

export async function syncByHand(app: Express, source: string, target: string, opts: PassOptions = {}): Promise<PassOutcome> {
  const run = `runName=${encodeURIComponent(opts.runName ?? 'by-hand')}&runStamp=${encodeURIComponent(new Date().toISOString())}`;
  const digest = await getDigestXml(app, target);
  const count = opts.count ? `&count=${opts.count}` : '';
  if (opts.beforePage) await opts.beforePage(0);
  let page = await settle(
    app,
    await asText(request(app).post(pathOf(serviceUrl(source, '$syncSource', `trackingID=${crypto.randomUUID()}&${run}${count}`))).set('Content-Type', 'application/atom+xml;type=entry').send(digest)),
  );
  const sourceContext = page.headers.location as string;
  const out: PassOutcome = { pages: 0, results: [], pageBodies: [], resultBodies: [], completed: false };
  const targetContexts: string[] = [];
  for (;;) {
    if (page.status !== 200) throw new Error(`source page: ${page.status} ${text(page)}`);
    const body = text(page);
    out.pageBodies.push(body);
    const posted = await settle(
      app,
      await asText(request(app).post(pathOf(serviceUrl(target, '$syncTarget', `trackingID=${crypto.randomUUID()}&${run}`))).set('Content-Type', 'application/atom+xml;type=feed').send(body)),
    );
    if (posted.status !== 200) throw new Error(`target page: ${posted.status} ${text(posted)}`);
    // A page applied at once keeps no context (no Location); one polled to its end does.
    if (posted.headers.location) targetContexts.push(posted.headers.location as string);
    out.resultBodies.push(text(posted));
    out.results.push(...parseResultFeed(text(posted)).entries);
    out.pages += 1;
    const next = linkHref(parseXml(body), 'next');
    if (!next) {
      out.completed = true;
      break;
    }
    if (opts.stopAfterPages !== undefined && out.pages >= opts.stopAfterPages) break;
    if (opts.beforePage) await opts.beforePage(out.pages);
    page = await settle(app, await asText(request(app).get(pathOf(next))));
  }
  if (sourceContext) await request(app).delete(pathOf(sourceContext));
  for (const t of targetContexts) await request(app).delete(pathOf(t));
  return out;
}

/** Runs passes both ways between every pair until a round moves nothing; returns the number of rounds. */
export async function syncUntilQuiet(app: Express, endpoints: string[], pairs?: [string, string][], opts: PassOptions = {}): Promise<number> {
  const routes = pairs ?? endpoints.flatMap((s) => endpoints.filter((t) => t !== s).map((t) => [s, t] as [string, string]));
  for (let round = 1; round <= 20; round++) {
    let moved = 0;
    for (const [s, t] of routes) {
      const r = await syncByHand(app, s, t, opts);
      moved += r.results.filter((e) => e.httpStatus !== 304).length;
    }
    if (moved === 0) return round;
  }
  throw new Error('passes did not settle within 20 rounds');
}
