import { el, renderFeedXml, renderFragment, renderXml, type XChild, type XNode } from '../../src/atom/write';
import { attr, parseXml } from '../../src/atom/xml';

describe('renderXml and renderFragment', () => {
  it('writes the declaration, attributes in order and children in order', () => {
    expect(renderXml(el('feed', { xmlns: 'urn:a', 'xmlns:x': 'urn:x' }, el('id', {}, 'f'), el('x:n', {}, 5)))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="urn:a" xmlns:x="urn:x"><id>f</id><x:n>5</x:n></feed>',
    );
  });

  it('escapes the five XML special characters in text and attribute values', () => {
    expect(renderFragment(el('a', { href: `x?a=1&b='2' "3" <4>` }, `Tom & Jerry's <"show">`))).toBe(
      '<a href="x?a=1&amp;b=&apos;2&apos; &quot;3&quot; &lt;4&gt;">Tom &amp; Jerry&apos;s &lt;&quot;show&quot;&gt;</a>',
    );
    expect(renderFragment(el('a', {}, '&amp;'))).toBe('<a>&amp;amp;</a>');
  });

  it('leaves out null and undefined attributes and null, undefined and false children; an empty element closes itself', () => {
    expect(renderFragment(el('a', { b: undefined, c: null, d: 0, e: false }, null, undefined, false, ''))).toBe('<a d="0" e="false"/>');
    expect(renderFragment(el('a', undefined, true, 0))).toBe('<a>true0</a>');
    expect(renderFragment({ tag: 'a' })).toBe('<a/>');
  });

  it('writes CR in text, and CR, LF and tab in attribute values, as references: each value reads back as it was (both writers)', () => {
    const text = 'p\r\nq\rr\n\ts';
    const value = 'x\ry\nz\tw';
    for (const render of [renderXml, renderFeedXml]) {
      const read = parseXml(render(el('a', { v: value }, text)));
      expect([read.text, attr(read, '', 'v')]).toEqual([text, value]);
    }
  });
});

describe('renderFeedXml', () => {
  // Texts that take every path of the writers: plain, special characters, characters XML cannot carry
  // (a control character, U+FFFF, a lone surrogate), characters beyond the BMP, empty.
  const TEXTS = ['', 'plain', `Tom & Jerry's <"show">`, 'a\u0001b', 'x\uFFFFy', 'lone \uD800 half', 'é😀', ' \t\n ', '&amp;', 'a\r\nb'];
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const text = () => TEXTS[random(TEXTS.length)];
  const tree = (depth: number): XNode => {
    const children: XChild[] = [];
    for (let i = random(5); i > 0; i--) {
      const k = random(10);
      if (k < 4 && depth < 4) children.push(tree(depth + 1));
      else if (k < 7) children.push(text());
      else children.push([null, undefined, false, true, 0, 42][random(6)]);
    }
    const attrs = random(2) === 0 ? undefined : { 'sdata:key': text(), b: [null, undefined, 5, true, 'v'][random(5)], c: text() };
    return el(['entry', 'sync:tick', 'x:uuid'][depth % 3], attrs, ...children);
  };

  it('writes the bytes renderXml writes, faster (random trees)', () => {
    for (let i = 0; i < 2000; i++) {
      const t = tree(0);
      expect(renderFeedXml(t)).toBe(renderXml(t));
    }
  });
});
