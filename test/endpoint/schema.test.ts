/** `$schema` of a kind and of an application dataset: the XSD with the sme sync attributes. */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { parseSchemaKinds } from '../../src/atom/schemaKinds';
import { attr, childrenNamed } from '../../src/atom/xml';
import { asText, openTestApp, xmlOf, type TestApp } from './support/app';
import { diagnosisCodes } from './support/xmlBodies';

describeEachDatabase('$schema', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb);
  });

  it('describes one kind with its properties and sync attributes', async () => {
    const res = await asText(t.http().get('/sdata/erp/test/-/orders/%24schema')).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    const xsd = xmlOf(res);
    expect(parseSchemaKinds(xsd)).toEqual([{ name: 'orders', element: 'order', syncOrder: 3, isSyncSource: true, isSyncTarget: true, priority: 2, schemaVersion: expect.stringMatching(/^v1-[0-9a-f]{16}$/) }]);
    const orderType = childrenNamed(xsd, NS.xs, 'complexType').find((c) => attr(c, '', 'name') === 'order--type')!;
    const props = orderType.children[0].children.map((e) => [attr(e, '', 'name'), attr(e, '', 'type')]);
    expect(props).toEqual(
      expect.arrayContaining([
        ['quantity', 'xs:long'],
        ['total', 'xs:decimal'],
        ['paid', 'xs:boolean'],
        ['placedOn', 'xs:date'],
        ['placedAt', 'xs:dateTime'],
        ['account', 'account--reference'],
        ['lines', 'order--lines--list'],
      ]),
    );
  });

  it('describes every kind of an application with its sync order, and shows the current priority', async () => {
    await t.http()
      .put('/sdata/crm/test/-/contacts/$syncDigest')
      .send(
        `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:digestEntry><sync:endpoint>http://sdata.test/sdata/crm/test/-/contacts</sync:endpoint><sync:tick>1</sync:tick><sync:conflictPriority>6</sync:conflictPriority></sync:digestEntry></sync:digest></sdata:payload></entry>`,
      )
      .expect(200);
    const kinds = parseSchemaKinds(xmlOf(await asText(t.http().get('/sdata/crm/test/-/$schema?_t=1')).expect(200)));
    expect(kinds.map((k) => [k.name, k.syncOrder, k.priority])).toEqual([
      ['accounts', 1, 1],
      ['contacts', 2, 6],
      ['orders', 3, 1],
    ]);
  });

  it('404s an unknown application and refuses other methods', async () => {
    expect(diagnosisCodes(xmlOf(await asText(t.http().get('/sdata/nope/test/-/$schema')).expect(404)))).toEqual(['ApplicationNotFound']);
    expect(diagnosisCodes(xmlOf(await asText(t.http().post('/sdata/crm/test/-/$schema')).expect(405)))).toEqual(['MethodNotAllowed']);
    expect(diagnosisCodes(xmlOf(await asText(t.http().get('/sdata/crm/test/-/$other')).expect(404)))).toEqual(['BadUrlSyntax']);
  });
});
