/** The SData URL grammar: decoding per segment, quoted keys, services, arguments and actions. */
import { parseSDataPath } from '../../src/endpoint/path';
import { SDataError } from '../../src/protocol/diagnosis';

const base = { app: 'crm', contract: 'test', dataset: '-' };

function errorOf(path: string): { status: number; code: string } {
  try {
    parseSDataPath(path);
  } catch (err) {
    if (err instanceof SDataError) return { status: err.status, code: err.diagnoses[0].sdataCode };
    throw err;
  }
  throw new Error(`${path} parsed`);
}

describe('parseSDataPath', () => {
  it.each([
    ['/sdata/crm/test/-/accounts', { ...base, kind: 'accounts' }],
    ['/sdata/crm/test/-/accounts/', { ...base, kind: 'accounts' }],
    ["/sdata/crm/test/-/accounts('12')", { ...base, kind: 'accounts', key: '12' }],
    ['/sdata/crm/test/-/accounts(12)', { ...base, kind: 'accounts', key: '12' }],
    ["/sdata/crm/test/-/accounts('A%20B')", { ...base, kind: 'accounts', key: 'A B' }],
    ['/sdata/crm/test/-/accounts(%27A%20B%27)', { ...base, kind: 'accounts', key: 'A B' }],
    ["/sdata/crm/test/-/accounts('O''Brien')", { ...base, kind: 'accounts', key: "O'Brien" }],
    ["/sdata/crm/test/-/accounts('a%2Fb')", { ...base, kind: 'accounts', key: 'a/b' }],
    ["/sdata/crm/test/-/accounts('(x)')", { ...base, kind: 'accounts', key: '(x)' }],
    ['/sdata/crm/test/-/accounts/%24syncDigest', { ...base, kind: 'accounts', service: '$syncDigest' }],
    ['/sdata/crm/test/-/accounts/$batch', { ...base, kind: 'accounts', service: '$batch' }],
    [
      "/sdata/crm/test/-/accounts/$syncSource('0f8fad5b-d9cb-469f-a165-70867728950e')",
      { ...base, kind: 'accounts', service: '$syncSource', serviceArg: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    ],
    ["/sdata/crm/test/-/accounts/$conflicts('3')/$resolve", { ...base, kind: 'accounts', service: '$conflicts', serviceArg: '3', action: '$resolve' }],
    ['/sdata/crm/test/-/$schema', { ...base, service: '$schema' }],
    ['/sdata/crm/test/-', base],
    ['/sdata', {}],
    ['/sdata/', {}],
    ['/sdata/crm', { app: 'crm' }],
    ['/sdata/crm/test', { app: 'crm', contract: 'test' }],
  ])('%s', (path, expected) => {
    expect(parseSDataPath(path)).toEqual(expected);
  });

  it('leaves other URLs alone', () => {
    expect(parseSDataPath('/health')).toBeUndefined();
    expect(parseSDataPath('/sdatax/crm')).toBeUndefined();
  });

  it.each([
    ['/sdata/crm/$schema', 404, 'BadUrlSyntax'],
    ["/sdata/crm/test/-/accounts('a'b')", 400, 'BadUrlSyntax'],
    ["/sdata/crm/test/-/accounts(name eq 'x')", 400, 'BadUrlSyntax'],
    ['/sdata/crm/test/-/accounts/%E0%A4%A', 400, 'BadUrlSyntax'],
    ['/sdata/crm/test/-/accounts/extra', 404, 'BadUrlSyntax'],
    ['/sdata/crm/test/-/accounts/$batch/$x/$y', 404, 'BadUrlSyntax'],
    ['/sdata/crm//-/accounts', 400, 'BadUrlSyntax'],
  ])('refuses %s', (path, status, code) => {
    expect(errorOf(path)).toEqual({ status, code });
  });
});
