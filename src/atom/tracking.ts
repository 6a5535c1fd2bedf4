/**
 * The SData tracking document (PROTOCOL.md 3.2): the body of a 202 answer while an asynchronous operation
 * (a `$syncSource` selection, a `$syncTarget` application) runs, served as application/xml:
 *
 *   <sdata:tracking xmlns:sdata="http://schemas.sage.com/sdata/2008/1">
 *     <sdata:phase>applying</sdata:phase>
 *     <sdata:phaseDetail>applying 1000 entries</sdata:phaseDetail>
 *     <sdata:progress>40</sdata:progress>                 percent done, 0..100
 *     <sdata:elapsedSeconds>1.2</sdata:elapsedSeconds>
 *     <sdata:remainingSeconds>1.8</sdata:remainingSeconds>
 *     <sdata:pollingMillis>250</sdata:pollingMillis>      when to ask again: an honest estimate
 *   </sdata:tracking>
 *
 * Reading accepts the document itself or an Atom entry whose `sdata:payload` holds it, with any prefix.
 * A field that is absent, or not a non-negative number, reads as undefined: a poller keeps its own default.
 */
import { badRequest } from '../protocol/diagnosis';
import { NS } from './namespaces';
import { el, renderXml } from './write';
import { child, childText, parseXml, type XmlElement } from './xml';

export interface Tracking {
  phase: string;
  phaseDetail?: string;
  /** Percent done, 0..100. */
  progress?: number;
  elapsedSeconds?: number;
  remainingSeconds?: number;
  /** How long to wait before polling again, in milliseconds. */
  pollingMillis?: number;
}

const NUMERIC_FIELDS = ['progress', 'elapsedSeconds', 'remainingSeconds', 'pollingMillis'] as const;

/** Seconds and percentages to a thousandth; milliseconds whole. */
function numberText(field: (typeof NUMERIC_FIELDS)[number], value: number | undefined): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return String(field === 'pollingMillis' ? Math.round(value) : Math.round(value * 1000) / 1000);
}

/** The tracking document. */
export function buildTracking(t: Tracking): string {
  return renderXml(
    el(
      'sdata:tracking',
      { 'xmlns:sdata': NS.sdata },
      el('sdata:phase', undefined, t.phase),
      t.phaseDetail !== undefined && el('sdata:phaseDetail', undefined, t.phaseDetail),
      ...NUMERIC_FIELDS.map((f) => {
        const text = numberText(f, t[f]);
        return text !== undefined && el(`sdata:${f}`, undefined, text);
      }),
    ),
  );
}

const NUMBER = /^\+?(\d+(\.\d*)?|\.\d+)$/;

function trackingElementOf(root: XmlElement): XmlElement | undefined {
  if (root.ns === NS.sdata && root.name === 'tracking') return root;
  return child(child(root, NS.sdata, 'payload'), NS.sdata, 'tracking');
}

/** Reads a tracking document (or an entry holding one); 400 `InvalidTracking` when there is none. */
export function parseTracking(text: string): Tracking {
  const e = trackingElementOf(parseXml(text));
  if (!e) throw badRequest('expected an sdata:tracking document', 'InvalidTracking', 'tracking');
  const t: Tracking = { phase: childText(e, NS.sdata, 'phase') ?? '' };
  const detail = childText(e, NS.sdata, 'phaseDetail');
  if (detail !== undefined) t.phaseDetail = detail;
  for (const f of NUMERIC_FIELDS) {
    const v = childText(e, NS.sdata, f);
    if (v !== undefined && NUMBER.test(v)) t[f] = Number(v);
  }
  return t;
}
