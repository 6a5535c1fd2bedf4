/**
 * openapi/openapi.yaml is what an integrator generates types from: `openapi-typescript` (a dev dependency,
 * run from node_modules, no network) makes `api.d.ts` of it, and a small typed client (client.ts below)
 * is compiled against it with the project's TypeScript, holding the demo's real JSON answers as typed
 * values. So the generated types fit what the server sends (`feed.$resources[0].$key` is a string), and are
 * not loose (`@ts-expect-error` lines that must stay errors).
 *
 * The same answers are checked at run time against the same schemas of the document with ajv, on every
 * database: the schemas cannot drift from what the server sends.
 *
 * The demo runs in process (its configuration, src/config/demo.ts) and is driven with supertest. One
 * openapi-typescript run and one tsc run on two files (about 3 s of CPU). The listings (`$conflicts`,
 * `$failures`, `$syncResults`) and the `$resolve` / `$retry` answers are checked with ajv only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import request from 'supertest';
import { parse } from 'yaml';
import { demoConfig } from '../src/config/demo';
import { parseConfig } from '../src/config/load';
import { createApp, prepareRuntime } from '../src/endpoint/server';
import { describeEachDatabase } from './support/databases';
import { parkOneOfEach } from './support/parkOneOfEach';

const run = promisify(execFile);
const root = path.join(__dirname, '..');
const DOCUMENT = path.join(root, 'openapi', 'openapi.yaml');
const EP = '/sdata/crm/test/-';
const CRM_ACCOUNTS = 'http://demo.test/sdata/crm/test/-/accounts';
const ERP_ACCOUNTS = 'http://demo.test/sdata/erp/test/-/accounts';

/** The demo's answers the client reads, each with the schema of the document that describes it. */
const ANSWERS = {
  discovery: 'JsonDiscoveryFeed',
  created: 'JsonEntry',
  feed: 'JsonFeed',
  entry: 'JsonEntry',
  template: 'JsonTemplate',
  digest: 'JsonDigest',
  batch: 'JsonBatchAnswer',
  notFound: 'JsonDiagnoses',
  refused: 'JsonDiagnoses',
  conflicts: 'JsonConflictFeed',
  resolved: 'JsonConflict',
  failures: 'JsonFailureFeed',
  retried: 'JsonFailure',
  syncResults: 'JsonSyncResultFeed',
} as const;
type Answers = Record<keyof typeof ANSWERS, unknown>;

/**
 * A typed client of the demo, as an application would write it with the generated types, and the demo's
 * answers as values of those types.
 */
function clientSource(answers: Answers): string {
  const literal = (v: unknown) => JSON.stringify(v, null, 1);
  return `import type { components, operations } from './api';

type Schemas = components['schemas'];
type JsonOf<Op extends keyof operations, Status extends keyof operations[Op]['responses']> =
  operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } } ? Body : never;

export type Discovery = JsonOf<'getDataset', 200>;
export type Feed = JsonOf<'getResourceFeed', 200>;
export type Entry = JsonOf<'getResource', 200>;
export type Created = JsonOf<'createResource', 201>;
export type Template = JsonOf<'getTemplate', 200>;
export type Digest = JsonOf<'getSyncDigest', 200>;
export type BatchAnswer = JsonOf<'postBatch', 200>;
export type Diagnoses = JsonOf<'getResource', 404>;

/** A small client of one endpoint ({ep}) in SData JSON. */
export class Client {
  constructor(private readonly ep: string) {}

  private async send<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await fetch(url + (url.includes('?') ? '&' : '?') + 'format=json', {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T | Diagnoses;
    if (!res.ok) throw new Error((json as Diagnoses).$diagnoses.map((d) => d.message).join('; '));
    return json as T;
  }

  feed(query = ''): Promise<Feed> { return this.send('GET', this.ep + query); }
  entry(key: string): Promise<Entry> { return this.send('GET', this.ep + "('" + encodeURIComponent(key) + "')"); }
  create(resource: Schemas['JsonResourceInput']): Promise<Created> { return this.send('POST', this.ep, resource); }
  digest(): Promise<Digest> { return this.send('GET', this.ep + '/$syncDigest'); }
  batch(body: Schemas['JsonBatchRequest']): Promise<BatchAnswer> { return this.send('POST', this.ep + '/$batch', body); }
}

// The demo's answers, as the server sent them.
export const discovery: Discovery = ${literal(answers.discovery)};
export const created: Created = ${literal(answers.created)};
export const feed: Feed = ${literal(answers.feed)};
export const entry: Entry = ${literal(answers.entry)};
export const template: Template = ${literal(answers.template)};
export const digest: Digest = ${literal(answers.digest)};
export const batch: BatchAnswer = ${literal(answers.batch)};
export const notFound: Diagnoses = ${literal(answers.notFound)};
export const refused: Diagnoses = ${literal(answers.refused)};

// What an application reads from them, typed.
export const key: string = feed.$resources[0].$key;
export const total: number = feed.$totalResults;
export const next: string | undefined = feed.$next;
export const etag: string | undefined = entry.$etag;
export const reference: Schemas['JsonValue'] | undefined = feed.$resources[0].account;
export const kinds: string[] = discovery.$resources.map((r) => r.$url);
export const tick: number = digest.digestEntry[0].tick;
export const status: number = batch.$resources[0].$httpStatus;
export const where: string | undefined = refused.$diagnoses[0].payloadPath;
export const severity: 'Info' | 'Warning' | 'Transient' | 'Error' | 'Fatal' = notFound.$diagnoses[0].severity;

// The types are not loose.
// @ts-expect-error $key is a string
export const keyAsNumber: number = feed.$resources[0].$key;
// @ts-expect-error a feed always has $resources
export const feedWithoutResources: Feed = { $url: '', $descriptor: '', $updated: '', $totalResults: 0, $startIndex: 1, $itemsPerPage: 0, $first: '' };
// @ts-expect-error a digest entry has no other fields
export const digestEntryWithMore: Schemas['JsonDigestEntry'] = { endpoint: '', tick: 1, stamp: '', conflictPriority: 1, colour: 'red' };
// @ts-expect-error a batch entry's method is one of four
export const patch: Schemas['JsonBatchRequest'] = { $resources: [{ $httpMethod: 'PATCH' }] };
`;
}

const TSCONFIG = {
  compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
  files: ['client.ts'],
};

/** The command's output when it fails, so that a type error shows in the test's failure. */
async function runShowingOutput(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${path.basename(file)} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message);
  }
}

let dir: string;
let ajv: Ajv;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sdata-openapi-client-'));
  const components = (parse(await readFile(DOCUMENT, 'utf8')) as { components: object }).components;
  // OpenAPI 3.0 schemas are JSON Schema with extensions (nullable is read; example and formats are not checked).
  ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi', components });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeEachDatabase('the demo in SData JSON, through the OpenAPI document', (tdb) => {
  const answers = {} as Answers;

  beforeAll(async () => {
    const runtime = await prepareRuntime(parseConfig({ ...demoConfig, server: { port: 0, publicBaseUrl: 'http://demo.test' }, log: { level: 'silent' } }, {}), { db: await tdb.open() });
    const app = createApp(runtime);
    const http = request(app);
    const json = async (status: number, test: request.Test) => {
      const res = await test;
      const what = `${res.status} ${res.text.slice(0, 300)}`;
      expect([what, res.status, res.headers['content-type']]).toEqual([what, status, expect.stringMatching(/^application\/json/)]);
      return res.body as unknown;
    };
    const post = (url: string, body: unknown) => http.post(`${url}?format=json`).set('Content-Type', 'application/json').send(JSON.stringify(body));
    answers.discovery = await json(200, http.get(`${EP}?format=json`));
    answers.created = await json(201, post(`${EP}/accounts`, { name: 'ACME', email: 'info@acme.test', balance: 12.5, active: true, openedOn: '2026-01-02' }));
    const account = answers.created as { $uuid: string };
    await json(201, post(`${EP}/contacts`, { firstName: 'Ann', account: { $uuid: account.$uuid } }));
    await json(201, post(`${EP}/contacts`, { firstName: 'Bob', account: null }));
    answers.feed = await json(200, http.get(`${EP}/contacts?format=json&include=account&count=1`));
    answers.entry = await json(200, http.get(`${EP}/accounts('1')?format=json`));
    answers.template = await json(200, http.get(`${EP}/accounts/$template?format=json`));
    answers.digest = await json(200, http.get(`${EP}/accounts/$syncDigest?format=json`));
    answers.batch = await json(200, post(`${EP}/accounts/$batch`, { $resources: [{ $httpMethod: 'POST', name: 'Two' }, { $httpMethod: 'DELETE', $key: '999' }, { $httpMethod: 'GET', $key: '1' }] }));
    answers.notFound = await json(404, http.get(`${EP}/accounts('999')?format=json`));
    answers.refused = await json(400, post(`${EP}/accounts`, { balance: 'lots' }));
    // A conflict and a quarantined entry at erp, a result feed stored at crm.
    await parkOneOfEach(app, CRM_ACCOUNTS, ERP_ACCOUNTS);
    const erp = '/sdata/erp/test/-/accounts';
    answers.conflicts = await json(200, http.get(`${erp}/$conflicts?format=json`));
    answers.resolved = await json(200, http.post(`${erp}/$conflicts('1')/$resolve?action=dismiss&format=json`));
    answers.failures = await json(200, http.get(`${erp}/$failures?format=json`));
    answers.retried = await json(200, http.post(`${erp}/$failures('1')/$retry?format=json`));
    answers.syncResults = await json(200, http.get(`${EP}/accounts/$syncResults?format=json`));
  });

  it.each(Object.entries(ANSWERS))('answers %s as its schema %s says (ajv)', (name, schema) => {
    const validate = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
    expect([name, validate(answers[name as keyof Answers]) ? [] : validate.errors]).toEqual([name, []]);
  });

  it('answers what the generated types say: a typed client compiles with the answers as typed values', async () => {
    if (tdb.kind !== 'pglite') return; // the same shapes on every database (checked above); one compile is enough
    const types = path.join(dir, 'api.d.ts');
    await runShowingOutput(path.join(root, 'node_modules', '.bin', 'openapi-typescript'), [DOCUMENT, '--output', types]);
    expect(await readFile(types, 'utf8')).toContain('JsonEntry: {');
    await writeFile(path.join(dir, 'client.ts'), clientSource(answers));
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await runShowingOutput(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]);
  });
});
