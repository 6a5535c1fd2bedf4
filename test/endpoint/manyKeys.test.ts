/**
 * A body with a huge number of properties gets a small answer: a JSON object over MAX_PROPERTIES keys and a
 * payload element over MAX_PROPERTIES child elements are refused with one diagnosis, and no answer lists more
 * than MAX_DIAGNOSES diagnoses (then one saying how many more). Nothing is changed.
 */
import { diagnosesIn } from '../../src/atom/diagnosisXml';
import { MAX_PROPERTIES } from '../../src/atom/payloadRead';
import { MAX_DIAGNOSES } from '../../src/protocol/diagnosis';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { testConfig } from './support/testConfig';
import { account, entryWith } from './support/xmlBodies';

const ACCOUNTS = '/sdata/crm/test/-/accounts';
/** Far above one diagnosis, far below 200,000 of them. */
const SMALL_ANSWER_BYTES = 20_000;

const unknownKeys = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'x']));

describeEachDatabase('bodies with many properties', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ server: { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 10 * 1024 * 1024, defaultPageSize: 100, maxPageSize: 500 } }));
  });

  async function refused(send: () => Promise<{ status: number; body: unknown; text?: string }>) {
    const before = await snapshot(t.db);
    const res = await send();
    expect(res.status).toBe(400);
    expect(await snapshot(t.db)).toEqual(before);
    return res;
  }

  it('a JSON object of 200,000 unknown keys: one JsonTooManyKeys diagnosis, a small answer', async () => {
    const body = JSON.stringify({ name: 'ACME', ...unknownKeys(200_000) });
    const res = await refused(() => t.http().post(ACCOUNTS).query({ format: 'json' }).set('Content-Type', 'application/json').send(body));
    expect(res.text?.length).toBeLessThan(SMALL_ANSWER_BYTES);
    const diagnoses = (res.body as { $diagnoses: { applicationCode?: string; message: string }[] }).$diagnoses;
    expect(diagnoses).toEqual([expect.objectContaining({ applicationCode: 'JsonTooManyKeys', message: expect.stringContaining(`${MAX_PROPERTIES}`) })]);
  });

  it('an XML payload of 200,000 unknown elements: one TooManyProperties diagnosis, a small answer', async () => {
    const body = entryWith(account(`<name>ACME</name>${Array.from({ length: 200_000 }, (_, i) => `<k${i}/>`).join('')}`));
    const res = await refused(() => asText(t.http().post(ACCOUNTS).set('Content-Type', 'application/atom+xml;type=entry').send(body)));
    expect((res.body as string).length).toBeLessThan(SMALL_ANSWER_BYTES);
    expect(diagnosesIn(xmlOf(res))).toEqual([expect.objectContaining({ applicationCode: 'TooManyProperties', payloadPath: 'account' })]);
  });

  it.each([
    ['JSON', () => ({ type: 'application/json', body: JSON.stringify({ name: 'ACME', ...unknownKeys(MAX_PROPERTIES - 1) }) })],
    ['XML', () => ({ type: 'application/atom+xml;type=entry', body: entryWith(account(`<name>ACME</name>${Array.from({ length: MAX_PROPERTIES - 1 }, (_, i) => `<k${i}/>`).join('')}`)) })],
  ])('%s at the limit: the first MAX_DIAGNOSES unknown properties and one saying how many more', async (_format, make) => {
    const { type, body } = make();
    const res = await refused(() => asText(t.http().post(ACCOUNTS).set('Content-Type', type).send(body)));
    expect((res.body as string).length).toBeLessThan(SMALL_ANSWER_BYTES);
    const diagnoses = diagnosesIn(xmlOf(res));
    expect(diagnoses.length).toBe(MAX_DIAGNOSES + 1);
    expect(diagnoses.slice(0, MAX_DIAGNOSES).every((d) => d.applicationCode === 'UnknownProperty')).toBe(true);
    expect(diagnoses[MAX_DIAGNOSES]).toMatchObject({ applicationCode: 'MoreDiagnoses', message: expect.stringContaining(`${MAX_PROPERTIES - 1 - MAX_DIAGNOSES} more diagnoses`) });
  });
});
