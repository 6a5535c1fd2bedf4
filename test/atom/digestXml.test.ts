/** Reading digests (atom/digestXml.ts): linear in the number of entries, and bounded by `xml.maxDigestEntries`. */
import { NS } from '../../src/atom/namespaces';
import { parseDigestDocument, parseDigestElement } from '../../src/atom/digestXml';
import { parseXml } from '../../src/atom/xml';
import { DEFAULT_XML_LIMITS } from '../../src/config/xmlLimits';
import { SDataError } from '../../src/protocol/diagnosis';

/** A bare `sync:digest` document of `n` entries for distinct endpoints. */
function digestXml(n: number): string {
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    entries.push(`<sync:digestEntry><sync:endpoint>http://node${i}.test/sdata/a/test/-/accounts</sync:endpoint><sync:tick>${i + 1}</sync:tick><sync:stamp>2026-03-01T10:00:00Z</sync:stamp><sync:conflictPriority>5</sync:conflictPriority></sync:digestEntry>`);
  }
  return `<sync:digest xmlns:sync="${NS.sync}">${entries.join('')}</sync:digest>`;
}

function refusal(f: () => unknown): SDataError {
  try {
    f();
  } catch (err) {
    if (err instanceof SDataError) return err;
    throw err;
  }
  throw new Error('not refused');
}

jest.setTimeout(180_000);

describe('digest reading', () => {
  it('reads 64,000 entries in time linear in their number, not quadratic (a guard against a pathology)', () => {
    const limits = { ...DEFAULT_XML_LIMITS, maxElements: 10_000_000 };
    const millisToRead = (n: number): number => {
      const root = parseXml(digestXml(n), { limits });
      const started = process.hrtime.bigint();
      const d = parseDigestElement(root, 'digest', Number.MAX_SAFE_INTEGER);
      const millis = Number(process.hrtime.bigint() - started) / 1e6;
      expect(d.entries.length).toBe(n);
      expect(d.entries[n - 1]).toEqual({ endpoint: `http://node${n - 1}.test/sdata/a/test/-/accounts`, tick: n, stamp: '2026-03-01T10:00:00.000Z', conflictPriority: 5 });
      return millis;
    };
    const small = Math.min(millisToRead(4_000), millisToRead(4_000), millisToRead(4_000));
    const large = millisToRead(64_000);
    // 16 times the entries: linear reading takes about 16 times as long, a quadratic one 256 times (the old
    // reader took minutes for 50,000 entries). The margin of 4 absorbs a busy machine; so does the floor of 5 ms.
    expect(large).toBeLessThan(16 * 4 * Math.max(small, 5));
    expect(large).toBeLessThan(60_000);
  });

  it('still refuses an endpoint given twice, naming the second entry', () => {
    const twice = digestXml(3).replace('node2.test', 'node0.test');
    const err = refusal(() => parseDigestDocument(parseXml(twice)));
    expect(err.diagnoses[0]).toMatchObject({ applicationCode: 'InvalidDigest', payloadPath: 'digest/digestEntry[3]/endpoint' });
  });

  it(`accepts a digest of xml.maxDigestEntries entries (default ${DEFAULT_XML_LIMITS.maxDigestEntries}) and refuses one more, naming the setting`, () => {
    const max = DEFAULT_XML_LIMITS.maxDigestEntries;
    expect(max).toBe(500);
    expect(parseDigestDocument(parseXml(digestXml(max))).entries.length).toBe(max);
    const err = refusal(() => parseDigestDocument(parseXml(digestXml(max + 1))));
    expect(err.status).toBe(400);
    expect(err.diagnoses).toEqual([expect.objectContaining({ sdataCode: 'BadRequest', applicationCode: 'XmlLimitExceeded', message: expect.stringContaining('xml.maxDigestEntries') })]);
  });

  it('takes the cap it is given', () => {
    expect(parseDigestDocument(parseXml(digestXml(3)), 3).entries.length).toBe(3);
    expect(refusal(() => parseDigestDocument(parseXml(digestXml(4)), 3)).diagnoses[0].message).toMatch(/over the limit of 3 \(xml\.maxDigestEntries\)/);
  });
});
