/**
 * The limits of the one XML reader (config/xmlLimits.ts), each a 400 XmlLimitExceeded naming its setting,
 * and the linear-time property: a hostile document eight times larger takes about eight times as long to read,
 * not sixty-four (best of several runs, a bound of 24 that leaves a factor of about three on both sides for
 * a shared machine's noise). Before the reader resolved prefixes from its own stacks, saxes walked every open
 * element per name: 20,000 levels took 1.4 s and 40,000 about four times that.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseXml, type XmlLimits } from '../../src/atom/xml';
import { DEFAULT_XML_LIMITS } from '../../src/config/xmlLimits';
import { SDataError } from '../../src/protocol/diagnosis';

function refusal(xml: string, limits?: Partial<XmlLimits>): SDataError {
  try {
    parseXml(xml, { limits: { ...DEFAULT_XML_LIMITS, ...limits } });
  } catch (err) {
    if (err instanceof SDataError) return err;
    throw err;
  }
  throw new Error('the document was accepted');
}

const nested = (n: number, name = 'b') => `${`<${name}>`.repeat(n)}${`</${name}>`.repeat(n)}`;

describe('XML limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_XML_LIMITS).toEqual({ maxDepth: 64, maxElements: 1_000_000, maxAttributes: 256, maxNameLength: 256, maxTextLength: 1024 * 1024, maxDigestEntries: 500 });
  });

  it('accepts 64 levels and refuses 65 by default (maxDepth)', () => {
    expect(() => parseXml(nested(64))).not.toThrow();
    const err = refusal(nested(65));
    expect(err.status).toBe(400);
    expect(err.diagnoses[0]).toMatchObject({ sdataCode: 'BadRequest', applicationCode: 'XmlLimitExceeded' });
    expect(err.diagnoses[0].message).toBe('the nesting depth is over the limit of 64 (xml.maxDepth)');
  });

  it.each<[string, string, string, Partial<XmlLimits>]>([
    ['elements per document', 'xml.maxElements', `<a>${'<b/>'.repeat(11)}</a>`, { maxElements: 11 }],
    ['attributes per element', 'xml.maxAttributes', `<a ${Array.from({ length: 6 }, (_, i) => `x${i}="1"`).join(' ')}/>`, { maxAttributes: 5 }],
    ['attributes per element (namespace declarations count)', 'xml.maxAttributes', `<a ${Array.from({ length: 6 }, (_, i) => `xmlns:p${i}="u"`).join(' ')}/>`, { maxAttributes: 5 }],
    ['element name length', 'xml.maxNameLength', `<${'n'.repeat(11)}/>`, { maxNameLength: 10 }],
    ['attribute name length', 'xml.maxNameLength', `<a ${'n'.repeat(11)}="1"/>`, { maxNameLength: 10 }],
    ['text length of one element', 'xml.maxTextLength', `<a>${'t'.repeat(11)}</a>`, { maxTextLength: 10 }],
    ['text length of one element (text and CDATA together)', 'xml.maxTextLength', `<a>${'t'.repeat(6)}<![CDATA[${'c'.repeat(5)}]]></a>`, { maxTextLength: 10 }],
    ['attribute value length', 'xml.maxTextLength', `<a v="${'v'.repeat(11)}"/>`, { maxTextLength: 10 }],
  ])('refuses a document over the limit of %s, naming %s', (_name, setting, xml, limits) => {
    const err = refusal(xml, limits);
    expect(err.status).toBe(400);
    expect(err.diagnoses[0].applicationCode).toBe('XmlLimitExceeded');
    expect(err.diagnoses[0].message).toContain(`(${setting})`);
    // One below the limit is accepted.
    const key = Object.keys(limits)[0] as keyof XmlLimits;
    expect(() => parseXml(xml, { limits: { ...DEFAULT_XML_LIMITS, [key]: limits[key]! + 1 } })).not.toThrow();
  });

  it('refuses the 100,000-level entry (1.2 MB) at once', () => {
    const entry = `<entry xmlns="http://www.w3.org/2005/Atom"><name>${nested(100_000, 'node')}</name></entry>`;
    expect(entry.length).toBeGreaterThan(1_200_000);
    const started = performance.now();
    expect(refusal(entry).diagnoses[0].message).toContain('xml.maxDepth');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('reading time is linear in the size of a hostile document', () => {
  const unlimited: XmlLimits = { maxDepth: Infinity, maxElements: Infinity, maxAttributes: Infinity, maxNameLength: Infinity, maxTextLength: Infinity, maxDigestEntries: Infinity };
  // A collection before each run, and the best of several runs of each size taken in turn, keep the garbage
  // of one run and the load of a shared machine out of the figures.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // Eight times the size: a linear reader's ratio is about 8 and a quadratic one's about 64, so a bound of 24
  // is far from both. (With a doubling and a bound of 3, a linear reader's 2 once read 4.0 on a loaded machine.)
  const FACTOR = 8;
  const BOUND = 24;
  function ratioOfGrowth(doc: (n: number) => string, n: number, limits: XmlLimits): number {
    const [small, large] = [doc(n), doc(FACTOR * n)];
    const run = (xml: string) => {
      gc();
      const t = performance.now();
      try {
        parseXml(xml, { limits });
      } catch (err) {
        if (!(err instanceof SDataError)) throw err;
      }
      return performance.now() - t;
    };
    run(small); // warm-up
    // Up to three attempts, each the best of three runs of each size: the load of a shared machine can spoil
    // one attempt, while a super-linear reader fails them all.
    let best = Infinity;
    for (let attempt = 0; attempt < 3 && best >= BOUND; attempt++) {
      let a = Infinity;
      let b = Infinity;
      for (let i = 0; i < 3; i++) {
        a = Math.min(a, run(small));
        b = Math.min(b, run(large));
      }
      best = Math.min(best, b / Math.max(a, 0.5));
    }
    return best;
  }

  // With the configured limits, a document with thousands of attributes on one element is refused at the
  // limit, as saxes reads them, so the rest of it costs only the scan of its text.
  it('many namespace declarations and prefixed attributes on one element, with the default limits: refused, in time linear in the size', () => {
    const doc = (n: number) => `<a ${Array.from({ length: n }, (_, i) => `xmlns:p${i}="urn:${i}" p${i}:x="1"`).join(' ')}/>`;
    expect(refusal(doc(20_000)).diagnoses[0].message).toContain('xml.maxAttributes');
    expect(ratioOfGrowth(doc, 5_000, DEFAULT_XML_LIMITS)).toBeLessThan(BOUND);
  });

  it.each<[string, (n: number) => string, number]>([
    ['deep nesting', (n) => nested(n), 8_000],
    ['deep nesting of prefixed elements', (n) => `<a xmlns:p="urn:p">${nested(n, 'p:b')}</a>`, 8_000],
    ['a namespace declared at every level', (n) => `<a>${Array.from({ length: n }, (_, i) => `<b xmlns:p${i}="urn:${i}">`).join('')}${'</b>'.repeat(n)}</a>`, 4_000],
    ['many attributes on one element', (n) => `<a ${Array.from({ length: n }, (_, i) => `a${i}="1"`).join(' ')}/>`, 8_000],
    // 100 names: a run of 20 short names lasted about 2.5 ms, short enough for a busy machine's noise to count.
    ['long names', (n) => `<a>${`<${'n'.repeat(n)}/>`.repeat(100)}</a>`, 20_000],
  ])('%s, with no limits: eight times the size takes less than 24 times as long', (_name, doc, n) => {
    expect(ratioOfGrowth(doc, n, unlimited)).toBeLessThan(BOUND);
  });
});
