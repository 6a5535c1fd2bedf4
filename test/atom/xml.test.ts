import { parseXml, child, childText, attr } from '../../src/atom/xml';
import { NS } from '../../src/atom/namespaces';
import { SDataError } from '../../src/protocol/diagnosis';

describe('parseXml', () => {
  it('resolves elements by namespace URI whatever the prefix', () => {
    const forms = [
      `<feed xmlns="${NS.atom}" xmlns:sync="${NS.sync}"><sync:syncMode>catchUp</sync:syncMode></feed>`,
      `<a:feed xmlns:a="${NS.atom}" xmlns:sdatasync="${NS.sync}"><sdatasync:syncMode>catchUp</sdatasync:syncMode></a:feed>`,
      `<feed xmlns="${NS.atom}"><syncMode xmlns="${NS.sync}">catchUp</syncMode></feed>`,
    ];
    for (const xml of forms) {
      const root = parseXml(xml);
      expect([root.ns, root.name]).toEqual([NS.atom, 'feed']);
      expect(childText(root, NS.sync, 'syncMode')).toBe('catchUp');
    }
  });

  it('reads attributes by namespace, decodes entities and character references, keeps CDATA', () => {
    const root = parseXml(`<?xml version="1.0"?><p xmlns:sdata="${NS.sdata}" sdata:key="A&amp;B" plain="1"><n>caf&#233; &lt;x&gt;</n><c><![CDATA[<raw>]]></c></p>`);
    expect(attr(root, NS.sdata, 'key')).toBe('A&B');
    expect(attr(root, '', 'plain')).toBe('1');
    expect(child(root, '', 'n')!.text).toBe('café <x>');
    expect(child(root, '', 'c')!.text).toBe('<raw>');
  });

  it.each([
    ['DOCTYPE', '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', 'DoctypeRefused'],
    ['unclosed element', '<feed><entry></feed>', 'MalformedXml'],
    ['undeclared prefix', '<a:feed/>', 'MalformedXml'],
    ['no root', '   ', 'MalformedXml'],
    ['empty document', '', 'MalformedXml'],
    ['wrong closing tag', '<a><b></a>', 'MalformedXml'],
    ['document cut short', '<a><b>t</b>', 'MalformedXml'],
    ['duplicate attribute', '<a x="1" x="2"/>', 'MalformedXml'],
    ['unquoted attribute', '<a x=1/>', 'MalformedXml'],
    ['no space between attributes', '<a x="1"y="2"/>', 'MalformedXml'],
    ['undefined entity', '<a>&foo;</a>', 'MalformedXml'],
    ['invalid character reference', '<a>&#0;</a>', 'MalformedXml'],
    ['< in an attribute value', '<a b="<"/>', 'MalformedXml'],
    ['bad element name', '<1a/>', 'MalformedXml'],
    ['two roots', '<a>x</a><b/>', 'MalformedXml'],
    ['text before the root', 'text<a/>', 'MalformedXml'],
    ['text after the root', '<a></a>junk', 'MalformedXml'],
    ['undeclared attribute prefix', '<a q:x="1"/>', 'MalformedXml'],
  ])('refuses %s with a 400 diagnosis', (_name, xml, code) => {
    let caught: unknown;
    try {
      parseXml(xml);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SDataError);
    expect((caught as SDataError).status).toBe(400);
    expect((caught as SDataError).diagnoses[0].applicationCode).toBe(code);
    if (code === 'MalformedXml') expect((caught as SDataError).diagnoses[0].message).toMatch(/^malformed XML at \d+:\d+: /);
  });

  it('keeps the text of an element split by comments and processing instructions, and ignores whitespace outside the root', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n<a>one<!-- two -->three<?pi x?>&amp;</a>\n');
    expect(root.text).toBe('onethree&');
  });

  it('hands each complete child of the root to takeRootChild, and keeps only the children it does not take', () => {
    const seen: string[] = [];
    const root = parseXml('<feed><id>f</id><entry n="1"><t>a</t></entry><link/><entry n="2"/></feed>', {
      takeRootChild: (el) => {
        seen.push(`${el.name}${el.children.length}`);
        return el.name === 'entry';
      },
    });
    expect(seen).toEqual(['id0', 'entry1', 'link0', 'entry0']);
    expect(root.children.map((c) => c.name)).toEqual(['id', 'link']);
  });

  it('lets an error thrown by takeRootChild reach the caller unchanged', () => {
    const own = new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'Mine', message: 'no' });
    expect(() =>
      parseXml('<feed><entry/></feed>', {
        takeRootChild: () => {
          throw own;
        },
      }),
    ).toThrow(own);
  });
});
