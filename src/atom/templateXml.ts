/**
 * `{ep}/$template` (SData core 2.6): the entry a client reads before a create, holding a new resource's
 * default values. What "default" means, per property type:
 *
 *   a `default` in the configuration     that value, in its canonical form (checked at start-up)
 *   string                               ""           (an empty text field)
 *   boolean                              false        (an unchecked box)
 *   integer, decimal, date, datetime     null         (xsi:nil: no number or date is a safe guess)
 *   reference                            null
 *   children                             no rows
 *
 * The values are read from a payload element built from those defaults by the payload reader itself, so a
 * configured default is checked and written exactly as a client's value would be (`12.5` -> "12.5",
 * `"2026-01-02Z"` -> "2026-01-02"). The entry has no key, UUID or ETag: it names no resource.
 *
 *   <entry>
 *     <id>{ep}/$template</id> <title/> <updated/> <author/> <link rel="self"/> <content type="text"/>
 *     <sdata:payload><account xmlns="{contract ns}"><name/><active>false</active><balance xsi:nil="true"/>…</account></sdata:payload>
 *   </entry>
 */
import type { ApplicationConfig, KindConfig, PropertyConfig } from '../config/schema';
import { SDataError } from '../protocol/diagnosis';
import { asDocumentRoot, textContentNode } from './feed';
import { NS } from './namespaces';
import type { ResourceValues } from '../protocol/propertyValues';
import { readPayloadValues } from './payloadRead';
import { payloadNode } from './payloadWrite';
import { ENTRY_TYPE } from './resourceXml';
import { el, renderXml } from './write';
import type { XmlElement } from './xml';

function defaultElement(name: string, def: PropertyConfig, ns: string): XmlElement {
  const e: XmlElement = { ns, name, prefix: '', attrs: [], children: [], text: '' };
  if (def.type === 'children') return e;
  if (def.type !== 'reference' && def.default !== undefined) return { ...e, text: String(def.default) };
  if (def.type === 'string') return e;
  if (def.type === 'boolean') return { ...e, text: 'false' };
  return { ...e, attrs: [{ ns: NS.xsi, name: 'nil', value: 'true' }] };
}

const cache = new WeakMap<KindConfig, ResourceValues>();

/** The template values of a kind; throws (naming the property) when a configured default does not fit its type. */
export function templateValues(kind: KindConfig, app: ApplicationConfig): ResourceValues {
  const cached = cache.get(kind);
  if (cached) return cached;
  const children = Object.entries(kind.properties).map(([name, def]) => defaultElement(name, def, app.namespace));
  const payload: XmlElement = { ns: app.namespace, name: kind.element, prefix: '', attrs: [], children, text: '' };
  const { payload: read, diagnoses } = readPayloadValues(payload, kind, app, { partial: true });
  if (diagnoses.length > 0) {
    const [first, ...more] = diagnoses;
    throw new SDataError(500, { ...first, message: `configured default of ${kind.name}: ${first.message}` }, more);
  }
  cache.set(kind, read.values);
  return read.values;
}

export const templateUrl = (endpointUrl: string): string => `${endpointUrl}/$template`;

/** The template entry document of a kind. */
export function templateEntryDocument(endpointUrl: string, kind: KindConfig, app: ApplicationConfig, updated: string): string {
  const url = templateUrl(endpointUrl);
  const payload = payloadNode({ key: '', url, values: templateValues(kind, app) }, kind, app);
  return renderXml(
    asDocumentRoot(
      el(
        'entry',
        undefined,
        el('id', undefined, url),
        el('title', undefined, `Template of ${kind.name}`),
        el('updated', undefined, updated),
        el('link', { rel: 'self', type: ENTRY_TYPE, href: url }),
        textContentNode(`The default values of a new ${kind.element}`),
        el('sdata:payload', undefined, { ...payload, attrs: { xmlns: app.namespace } }),
      ),
    ),
  );
}
