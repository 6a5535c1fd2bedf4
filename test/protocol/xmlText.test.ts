/** The one rule of what text XML 1.0 can carry (protocol/xmlText.ts), and the writer that never breaks it. */
import { codePointName, forbiddenInValue, forbiddenXmlChar, isXmlText, replaceForbiddenChars, showForbiddenChars } from '../../src/protocol/xmlText';
import { el, renderXml } from '../../src/atom/write';
import { parseXml } from '../../src/atom/xml';

describe('isXmlText and forbiddenXmlChar', () => {
  it.each<[string, string, { position: number; codePoint: number } | undefined]>([
    ['plain text', 'ACME Inc. <&>"\'', undefined],
    ['tab, line feed, carriage return', 'a\tb\nc\rd', undefined],
    ['the last of the BMP before the surrogates', 'a\uD7FFb', undefined],
    ['private use and U+FFFD', '\uE000\uFFFD', undefined],
    ['a pair of surrogates (U+1F600)', 'x\u{1F600}y', undefined],
    ['U+10FFFF', '\u{10FFFF}', undefined],
    ['the empty string', '', undefined],
    ['U+0000', 'a\u0000', { position: 1, codePoint: 0 }],
    ['U+0001', '\u0001', { position: 0, codePoint: 1 }],
    ['U+001F', 'ab\u001F', { position: 2, codePoint: 0x1f }],
    ['U+FFFE', '\uFFFE', { position: 0, codePoint: 0xfffe }],
    ['U+FFFF after an astral character (positions count characters)', '\u{1F600}a\uFFFFb', { position: 2, codePoint: 0xffff }],
    ['a lone high surrogate', 'a\uD800b', { position: 1, codePoint: 0xd800 }],
    ['a lone low surrogate', '\uDC00', { position: 0, codePoint: 0xdc00 }],
    ['a low surrogate before its high one', '\uDC00\uD800', { position: 0, codePoint: 0xdc00 }],
  ])('%s', (_name, text, expected) => {
    expect(forbiddenXmlChar(text)).toEqual(expected);
    expect(isXmlText(text)).toBe(expected === undefined);
  });

  it('names code points as people write them, and shows or replaces what XML cannot carry', () => {
    expect(codePointName(1)).toBe('U+0001');
    expect(codePointName(0xffff)).toBe('U+FFFF');
    expect(showForbiddenChars('a\uffffb\u0000')).toBe('aU+FFFFbU+0000');
    expect(replaceForbiddenChars('a\uffffb\uD800')).toBe('a\uFFFDb\uFFFD');
    expect(showForbiddenChars('fine')).toBe('fine');
  });

  it('finds the first string of a JSON value holding one, keys included, with its path', () => {
    expect(forbiddenInValue({ name: 'p', email: 'a\uffffb' })).toEqual({ path: 'email', found: { position: 1, codePoint: 0xffff } });
    expect(forbiddenInValue({ lines: { $resources: [{ qty: 1 }, { product: '\u0001' }] } })?.path).toBe('lines/$resources/2/product');
    expect(forbiddenInValue({ ['a\uffff']: 1 })?.path).toBe('aU+FFFF');
    expect(forbiddenInValue('\u0000')?.path).toBe('');
    expect(forbiddenInValue({ name: 'ok', n: 1, b: true, z: null, list: ['x'] })).toBeUndefined();
  });
});

describe('the XML writer', () => {
  it('never writes a character XML cannot carry: the document stays well-formed', () => {
    const xml = renderXml(el('a', { title: 'x\uffff' }, 'b\u0001c', el('d', undefined, '\uD800')));
    const root = parseXml(xml);
    expect(root.text).toBe('b\uFFFDc');
    expect(root.attrs[0].value).toBe('x\uFFFD');
    expect(root.children[0].text).toBe('\uFFFD');
  });
});
