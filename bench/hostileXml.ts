/**
 * `npm run bench -- hostileXml [--n 50000] [--runs 5]`: reading time of hostile documents (deep nesting,
 * namespaces, attributes, long names) at n and 2n with no limits, and the ratio (about 2 when linear), plus
 * the issue's 100,000-level entry with the default limits (refused at xml.maxDepth).
 */
import { parseXml, type XmlLimits } from '../src/atom/xml';
import { DEFAULT_XML_LIMITS } from '../src/config/xmlLimits';
import { medianMillis, numberOption } from './support/timing';

const n = numberOption('n', 50_000);
const runs = numberOption('runs', 5);
const unlimited: XmlLimits = { maxDepth: Infinity, maxElements: Infinity, maxAttributes: Infinity, maxNameLength: Infinity, maxTextLength: Infinity, maxDigestEntries: Infinity };
const nested = (k: number, name = 'b') => `${`<${name}>`.repeat(k)}${`</${name}>`.repeat(k)}`;

const families: [string, (k: number) => string][] = [
  ['deep nesting', (k) => nested(k)],
  ['deep nesting, prefixed', (k) => `<a xmlns:p="urn:p">${nested(k, 'p:b')}</a>`],
  ['a namespace declared at every level', (k) => `<a>${Array.from({ length: k }, (_, i) => `<b xmlns:p${i}="urn:${i}">`).join('')}${'</b>'.repeat(k)}</a>`],
  ['attributes on one element', (k) => `<a ${Array.from({ length: k }, (_, i) => `a${i}="1"`).join(' ')}/>`],
  ['namespace declarations on one element', (k) => `<a ${Array.from({ length: k }, (_, i) => `xmlns:p${i}="urn:${i}" p${i}:x="1"`).join(' ')}/>`],
  ['long names (n characters, 20 elements)', (k) => `<a>${`<${'n'.repeat(k)}/>`.repeat(20)}</a>`],
];

const read = (xml: string, limits: XmlLimits) => () => {
  try {
    parseXml(xml, { limits });
  } catch {
    // refused at a limit: the time to refuse is what is measured
  }
};

process.stdout.write(`no limits, median of ${runs} runs\n`);
for (const [name, doc] of families) {
  const once = medianMillis(read(doc(n), unlimited), runs);
  const twice = medianMillis(read(doc(2 * n), unlimited), runs);
  process.stdout.write(`${name.padEnd(42)} n=${n}: ${once.toFixed(1)} ms  2n: ${twice.toFixed(1)} ms  ratio ${(twice / once).toFixed(2)}\n`);
}
const entry = `<entry xmlns="http://www.w3.org/2005/Atom"><name>${nested(100_000, 'node')}</name></entry>`;
process.stdout.write(`100,000-level entry (${(entry.length / 1e6).toFixed(1)} MB), default limits: refused in ${medianMillis(read(entry, DEFAULT_XML_LIMITS), runs).toFixed(2)} ms\n`);
