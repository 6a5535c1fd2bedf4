/**
 * An endpoint app over a test database, driven with supertest, plus what the tests check with it: answer
 * bodies as text and parsed XML, and a snapshot of everything a failing request must leave unchanged.
 */
import request from 'supertest';
import type { Express } from 'express';
import type { Test } from 'supertest';
import type { TestDatabase } from '../../support/databases';
import type { Db } from '../../../src/store/db';
import type { Config } from '../../../src/config/schema';
import { createApp, prepareRuntime } from '../../../src/endpoint/server';
import type { Runtime } from '../../../src/endpoint/runtime';
import { parseXml, type XmlElement } from '../../../src/atom/xml';
import { testConfig } from './testConfig';

export interface TestApp {
  db: Db;
  runtime: Runtime;
  app: Express;
  http: () => request.Agent;
  /** The endpoint id of a kind URL such as `${CRM}/accounts`. */
  endpointId(url: string): number;
}

export async function openTestApp(tdb: TestDatabase, cfg: Config = testConfig()): Promise<TestApp> {
  const db = await tdb.open();
  const runtime = await prepareRuntime(cfg, { db });
  const app = createApp(runtime);
  return {
    db,
    runtime,
    app,
    http: () => request.agent(app),
    endpointId(url) {
      const e = runtime.catalog.endpoints.find((x) => x.url === url);
      if (!e) throw new Error(`no endpoint ${url}`);
      return e.id;
    },
  };
}

/** Reads any answer body as text, whatever its content type. */
export function asText(test: Test): Test {
  return test.buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });
}

/** The answer body parsed as XML. */
export function xmlOf(res: { body: unknown }): XmlElement {
  return parseXml(res.body as string);
}

/**
 * Everything a request that fails must leave as it was: resources, clocks, key counters, digests, parked
 * conflicts, quarantined entries, stored result feeds and the event logger's records. Async contexts are
 * left out: a refused page keeps its diagnosis in its context for whoever polls it.
 */
export async function snapshot(db: Db): Promise<unknown> {
  return {
    endpoints: await db('endpoints').select('id', 'clock', 'clock_stamp', 'priority', 'next_key').orderBy('id'),
    resources: await db('resources').select('*').orderBy(['endpoint_id', 'local_key']),
    digests: await db('digest_entries').select('*').orderBy(['endpoint_id', 'remote_url']),
    conflicts: await db('conflicts').select('*').orderBy('id'),
    failures: await db('failures').select('*').orderBy('id'),
    syncResults: await db('sync_results').select('*').orderBy('id'),
    logRuns: await db('log_runs').select('*').orderBy('id'),
    logEvents: await db('log_events').select('*').orderBy('id'),
  };
}
