/**
 * The resource kinds an application's `$schema` declares (PROTOCOL.md 3.1), read back from the XSD that
 * atom/schemaXsd.ts writes (or a peer's): the engine takes the kinds to sync, and their order, from it.
 *
 *   <xs:element name="account" sme:role="resourceKind" sme:pluralName="accounts" sme:isSyncSource="true"
 *     sme:isSyncTarget="true" sme:syncConflictPriority="1" sme:syncOrder="1" x:schemaVersion="v1-…"/>
 *                                                                                     ->   one SchemaKind
 */
import { badRequest } from '../protocol/diagnosis';
import { NS } from './namespaces';
import { attr, childrenNamed, type XmlElement } from './xml';

/** A kind as an application's schema declares it. */
export interface SchemaKind {
  /** The kind's name in URLs (`sme:pluralName`). */
  name: string;
  /** The payload element's name. */
  element: string;
  syncOrder: number;
  isSyncSource: boolean;
  isSyncTarget: boolean;
  priority?: number;
  /** `x:schemaVersion` (EXT, PROTOCOL.md 2.7): absent from a peer that does not write it. */
  schemaVersion?: string;
}

function invalidSchema(message: string, path: string) {
  return badRequest(message, 'InvalidSchema', path);
}

function integerAttr(e: XmlElement, name: string, path: string): number | undefined {
  const text = attr(e, NS.sme, name)?.trim();
  if (text === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(text)) throw invalidSchema(`sme:${name} '${text}' is not an integer`, `${path}/@sme:${name}`);
  return Number(text);
}

function booleanAttr(e: XmlElement, name: string, path: string): boolean {
  const text = attr(e, NS.sme, name)?.trim();
  if (text === undefined || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw invalidSchema(`sme:${name} '${text}' is not a boolean`, `${path}/@sme:${name}`);
}

/**
 * The resource kinds of a schema: its top-level elements with `sme:role="resourceKind"` (or, from peers
 * that leave the role out, with `sme:pluralName`). Absent sync flags are false, an absent syncOrder 0.
 * A value that is not an integer or boolean is a 400 InvalidSchema.
 */
export function parseSchemaKinds(root: XmlElement): SchemaKind[] {
  if (root.ns !== NS.xs || root.name !== 'schema') throw invalidSchema(`expected an xs:schema, not <${root.name}>`, root.name);
  return childrenNamed(root, NS.xs, 'element')
    .filter((e) => attr(e, NS.sme, 'role') === 'resourceKind' || attr(e, NS.sme, 'pluralName') !== undefined)
    .map((e) => {
      const element = attr(e, '', 'name') ?? '';
      const path = `schema/element[@name='${element}']`;
      const priority = integerAttr(e, 'syncConflictPriority', path);
      const schemaVersion = attr(e, NS.x, 'schemaVersion')?.trim();
      return {
        name: attr(e, NS.sme, 'pluralName') ?? element,
        element,
        syncOrder: integerAttr(e, 'syncOrder', path) ?? 0,
        isSyncSource: booleanAttr(e, 'isSyncSource', path),
        isSyncTarget: booleanAttr(e, 'isSyncTarget', path),
        ...(priority === undefined ? {} : { priority }),
        ...(schemaVersion ? { schemaVersion } : {}),
      };
    });
}
