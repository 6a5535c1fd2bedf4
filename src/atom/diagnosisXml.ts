/** `sdata:diagnoses` / `sdata:diagnosis` in XML (PROTOCOL.md section 5). */
import type { Diagnosis, Severity, SDataCode } from '../protocol/diagnosis';
import { textContentNode } from './feed';
import { NS } from './namespaces';
import { el, renderXml, type XNode } from './write';
import { child, childText, childrenNamed, type XmlElement } from './xml';

/** One `<sdata:diagnosis>` element (to place inside a feed, an entry or `sdata:diagnoses`). */
export function diagnosisNode(d: Diagnosis): XNode {
  return el(
    'sdata:diagnosis',
    {},
    el('sdata:severity', {}, d.severity),
    el('sdata:sdataCode', {}, d.sdataCode),
    d.applicationCode !== undefined && el('sdata:applicationCode', {}, d.applicationCode),
    el('sdata:message', {}, d.message),
    d.payloadPath !== undefined && el('sdata:payloadPath', {}, d.payloadPath),
    d.requestId !== undefined && el('x:requestId', {}, d.requestId),
  );
}

/** The text `<content>` of an outcome entry: its title, then each diagnosis message (`PUT 412: etag differs`). */
export function outcomeContentNode(title: string, diagnoses: readonly Diagnosis[]): XNode {
  return textContentNode([title, ...diagnoses.map((d) => d.message)].join(': '));
}

/** A whole error body: `<sdata:diagnoses>` with each diagnosis. */
export function diagnosesDocument(diagnoses: Diagnosis[]): string {
  const ns = diagnoses.some((d) => d.requestId !== undefined) ? { 'xmlns:sdata': NS.sdata, 'xmlns:x': NS.x } : { 'xmlns:sdata': NS.sdata };
  return renderXml(el('sdata:diagnoses', ns, ...diagnoses.map(diagnosisNode)));
}

/** Reads a `sdata:diagnosis` element. */
function parseDiagnosis(e: XmlElement): Diagnosis {
  return {
    severity: (childText(e, NS.sdata, 'severity') ?? 'Error') as Severity,
    sdataCode: (childText(e, NS.sdata, 'sdataCode') ?? 'ApplicationDiagnosis') as SDataCode,
    applicationCode: childText(e, NS.sdata, 'applicationCode'),
    message: childText(e, NS.sdata, 'message') ?? '',
    payloadPath: childText(e, NS.sdata, 'payloadPath'),
    requestId: childText(e, NS.x, 'requestId'),
  };
}

/** Every diagnosis in an element: itself when it is one, its `sdata:diagnosis` children, or those of its `sdata:diagnoses` child. */
export function diagnosesIn(e: XmlElement | undefined): Diagnosis[] {
  if (!e) return [];
  if (e.ns === NS.sdata && e.name === 'diagnosis') return [parseDiagnosis(e)];
  const holder = e.ns === NS.sdata && e.name === 'diagnoses' ? e : child(e, NS.sdata, 'diagnoses');
  return [...childrenNamed(e, NS.sdata, 'diagnosis'), ...childrenNamed(holder === e ? undefined : holder, NS.sdata, 'diagnosis')].map(parseDiagnosis);
}
