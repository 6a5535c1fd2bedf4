import { el, renderFragment, renderXml } from '../../src/atom/write';

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
});
