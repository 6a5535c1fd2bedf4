import { batchResponseDocument, parseBatchRequest, type BatchRequest } from '../../src/atom/batchXml';
import { NS } from '../../src/atom/namespaces';
import { keyUrl } from '../../src/atom/resourceXml';
import { attr, child, childrenNamed, childText, parseXml } from '../../src/atom/xml';
import { SDataError } from '../../src/protocol/diagnosis';
import { accounts, crm, EP, ROOT_XMLNS, UUID_A } from './fixtures';

const ep = `${EP}/accounts`;
const ctx = { url: ep, kind: accounts, app: crm };

function batch(...entries: string[]): BatchRequest[] {
  return parseBatchRequest(parseXml(`<feed ${ROOT_XMLNS}>${entries.join('')}</feed>`), ctx);
}
const payload = (inner: string, attrs = '') => `<sdata:payload><account xmlns="${NS.dynamic}"${attrs}>${inner}</account></sdata:payload>`;
const refusedCodes = (r: BatchRequest) => ('refused' in r ? [r.refused.status, ...r.refused.diagnoses.map((d) => d.applicationCode)] : []);

describe('parseBatchRequest', () => {
  it('reads POST, PUT, DELETE and GET entries with their keys, ifMatch and payloads', () => {
    const got = batch(
      `<entry><http:httpMethod>POST</http:httpMethod>${payload('<name>New</name>', ' sdata:key="N1"')}</entry>`,
      `<entry><id>${keyUrl(ep, "O'B")}</id><http:httpMethod>put</http:httpMethod><http:ifMatch>"e1"</http:ifMatch>${payload('<name>Upd</name>', ` sdata:uuid="${UUID_A}"`)}</entry>`,
      `<entry><id>${keyUrl(ep, 'D1')}</id><http:httpMethod>DELETE</http:httpMethod><http:ifMatch>e2, e3</http:ifMatch></entry>`,
      `<entry><http:httpMethod>GET</http:httpMethod><sdata:payload><account sdata:url="${keyUrl(ep, 'G 1')}"/></sdata:payload></entry>`,
      `<entry><http:httpMethod>GET</http:httpMethod><sdata:payload><account sdata:key="G2"/></sdata:payload></entry>`,
    );
    expect(got).toEqual([
      { index: 1, method: 'POST', payload: { key: 'N1', deleted: false, values: { name: 'New' } } },
      { index: 2, id: keyUrl(ep, "O'B"), method: 'PUT', key: "O'B", ifMatch: ['"e1"'], payload: { uuid: UUID_A, deleted: false, values: { name: 'Upd' } } },
      { index: 3, id: keyUrl(ep, 'D1'), method: 'DELETE', key: 'D1', ifMatch: ['e2', 'e3'] },
      { index: 4, method: 'GET', key: 'G 1' },
      { index: 5, method: 'GET', key: 'G2' },
    ]);
  });

  it('refuses bad entries alone, with their status and diagnosis', () => {
    const got = batch(
      `<entry><http:httpMethod>PATCH</http:httpMethod></entry>`,
      `<entry></entry>`,
      `<entry><http:httpMethod>DELETE</http:httpMethod></entry>`,
      `<entry><http:httpMethod>POST</http:httpMethod>${payload('<balance>x</balance>')}</entry>`,
      `<entry><id>${keyUrl(ep, 'K')}</id><http:httpMethod>PUT</http:httpMethod>${payload('<name>n</name>', ' sdata:key="L"')}</entry>`,
      `<entry><id>${keyUrl(`${EP}/contacts`, 'K')}</id><http:httpMethod>GET</http:httpMethod></entry>`,
      `<entry><id>${keyUrl(ep, 'K')}</id><http:httpMethod>PUT</http:httpMethod></entry>`,
      `<entry><http:httpMethod>GET</http:httpMethod><id>${keyUrl(ep, 'ok')}</id></entry>`,
    );
    expect(got.map(refusedCodes)).toEqual([
      [405, 'BadHttpMethod'],
      [400, 'BadHttpMethod'],
      [400, 'MissingKey'],
      [400, 'InvalidValue', 'RequiredMissing'],
      [400, 'KeyMismatch'],
      [400, 'WrongResourceKind'],
      [400, 'MissingPayload'],
      [],
    ]);
    expect((got[3] as { refused: SDataError }).refused.diagnoses[0].payloadPath).toBe('account/balance');
    expect((got[0] as { refused: SDataError }).refused.diagnoses[0].payloadPath).toBe('entry[1]/httpMethod');
  });

  it('refuses a body that is not a feed', () => {
    expect(() => parseBatchRequest(parseXml(`<entry xmlns="${NS.atom}"/>`), ctx)).toThrow(SDataError);
  });
});

describe('batchResponseDocument', () => {
  const resource = { key: 'A1', uuid: UUID_A, values: { name: 'ACME' }, etag: 'et1', deleted: false, state: { stamp: '2026-11-22T12:00:00.000Z' } };
  const xml = batchResponseDocument(
    [
      { method: 'POST', status: 201, resource },
      { method: 'DELETE', status: 200, resource: { ...resource, key: 'A2', values: {}, deleted: true } },
      { method: 'PUT', status: 412, id: keyUrl(ep, 'A3'), error: new SDataError(412, { sdataCode: 'PreconditionFailed', message: 'changed' }) },
    ],
    ctx,
    '2026-11-22T13:00:00.000Z',
  );
  const entries = childrenNamed(parseXml(xml), NS.atom, 'entry');
  const http = (i: number, name: string) => childText(entries[i], NS.http, name);

  it('answers one entry per request entry, in order, with status, message, location and etag', () => {
    expect(entries).toHaveLength(3);
    expect([http(0, 'httpMethod'), http(0, 'httpStatus'), http(0, 'httpMessage'), http(0, 'location'), http(0, 'etag')]).toEqual(['POST', '201', 'Created', keyUrl(ep, 'A1'), 'et1']);
    const account = child(entries[0], NS.sdata, 'payload')!.children[0];
    expect([attr(account, NS.sdata, 'key'), attr(account, NS.sdata, 'uuid'), child(account, crm.namespace, 'name')!.text]).toEqual(['A1', UUID_A, 'ACME']);
  });

  it('names a deleted resource without payload or location, and a refused one by its request id with its diagnosis', () => {
    expect([childText(entries[1], NS.atom, 'id'), http(1, 'httpStatus'), http(1, 'location'), child(entries[1], NS.sdata, 'payload')]).toEqual([keyUrl(ep, 'A2'), '200', undefined, undefined]);
    expect([childText(entries[2], NS.atom, 'id'), http(2, 'httpStatus'), http(2, 'httpMessage')]).toEqual([keyUrl(ep, 'A3'), '412', 'Precondition Failed']);
    const diagnosis = child(entries[2], NS.sdata, 'diagnosis')!;
    expect(childText(diagnosis, NS.sdata, 'sdataCode')).toBe('PreconditionFailed');
  });

  it('is a feed with self and first links and the http prefix', () => {
    expect(xml).toContain(`<link rel="self" type="application/atom+xml; type=feed" href="${ep}/$batch"/><link rel="first"`);
    expect(xml).toContain('<http:httpStatus>201</http:httpStatus>');
  });
});
