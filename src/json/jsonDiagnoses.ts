/**
 * Diagnoses about a JSON body name JSON things. A JSON body is read through the XML reader's model
 * (resourceJson.ts, digestJson.ts), whose diagnoses speak of elements; this turns them into what the client
 * sent:
 *
 *   payloadPath   order/number                  ->  number
 *                 order/lines/line[2]/product   ->  lines/$resources/2/product      rows 1-based, as jsonBody.ts
 *                 order/account/@sdata:uuid     ->  account/$uuid
 *                 digest/digestEntry[2]/tick    ->  digestEntry/2/tick              a plain array (rows: 'array')
 *                 sdata:key                     ->  $key
 *   message       '<balance> is required'       ->  'balance' is required
 *                 sdata:uuid, sdata:key, sdata:url, http:httpMethod, http:ifMatch  ->  $uuid, $key, $url, …
 *                 sync:endpoint                 ->  endpoint
 *                 unknown element               ->  unknown property
 *                 <order> holds 1001 elements   ->  'order' holds 1001 properties
 *                 expected a <order> payload element (…), not <contact>  ->  $name 'contact' is not 'order', …
 *
 * `at` puts the body's place in front (`$resources/3/` for an entry of a JSON `$batch`).
 */
import { SDataError, type Diagnosis } from '../protocol/diagnosis';

const ROW = /^([^[\]/]+)\[(\d+)\]$/;

/**
 * How a JSON body writes the repeated elements of its XML model: as the `$resources` of a child list
 * (`lines/$resources/2`), or as a plain array (`digestEntry/2`).
 */
type JsonRows = 'resources' | 'array';

/** An XML payloadPath below the payload element `root`, as the path into the JSON body. */
function jsonPayloadPath(path: string, root: string, rows: JsonRows = 'resources'): string {
  const segments = path === root ? [] : path.startsWith(`${root}/`) ? path.slice(root.length + 1).split('/') : path.split('/');
  return segments
    .map((s) => {
      if (s === '@sdata:uuid' || s === 'sdata:uuid') return '$uuid';
      if (s === '@sdata:key' || s === 'sdata:key') return '$key';
      if (s === '@sdata:url') return '$url';
      const row = ROW.exec(s);
      if (!row) return s;
      return rows === 'resources' ? `$resources/${row[2]}` : `${row[1]}/${row[2]}`;
    })
    .join('/');
}

/** A diagnosis message with its element names and `sdata:` attributes as JSON names. */
function jsonMessage(message: string): string {
  return message
    .replace(/^expected a <([^<>\s]+)> payload element \(.*\), not <([^<>\s]+)>.*$/s, "$$name '$2' is not '$1', the name of this kind's resources")
    .replace(/(?:sdata|http):(uuid|key|url|httpMethod|ifMatch)\b/g, '$$$1')
    .replace(/\bsync:(\w+)/g, '$1')
    .replace(/unknown element/g, 'unknown property')
    .replace(/holds elements; expected/g, 'holds an object; expected')
    .replace(/holds (\d+) elements/g, 'holds $1 properties')
    // An element name stands alone (`<balance> is required`, `valid for <balance>:`); `<t>` inside an echoed value does not.
    .replace(/(^|[\s(])<([^<>\s]+)>(?=$|[\s:;,.)])/g, "$1'$2'");
}

/** Where the JSON body is, and how it writes rows (see jsonPayloadPath). */
export interface JsonPlace {
  /** The body's place in a larger document, ending in `/` (`$resources/3/`); default ''. */
  at?: string;
  rows?: JsonRows;
}

function jsonDiagnosis(d: Diagnosis, root: string, { at = '', rows }: JsonPlace): Diagnosis {
  // A payload element of another name: the body's `$name` said so.
  const path = d.applicationCode === 'UnknownElement' ? '$name' : d.payloadPath;
  const payloadPath = path === undefined ? undefined : `${at}${jsonPayloadPath(path, root, rows)}`.replace(/\/$/, '');
  return { ...d, message: jsonMessage(d.message), ...(payloadPath !== undefined ? { payloadPath: payloadPath || undefined } : {}) };
}

/** Diagnoses in JSON terms (see the header). */
export function jsonDiagnoses(diagnoses: readonly Diagnosis[], root: string, place: JsonPlace = {}): Diagnosis[] {
  return diagnoses.map((d) => jsonDiagnosis(d, root, place));
}

/** Runs `read`; an SDataError it throws comes out with its diagnoses in JSON terms (see the header). */
export function withJsonDiagnoses<T>(read: () => T, root: string, place: JsonPlace = {}): T {
  try {
    return read();
  } catch (err) {
    throw asJsonError(err, root, place);
  }
}

/** An SDataError with its diagnoses in JSON terms; anything else as it is. */
export function asJsonError(err: unknown, root: string, place: JsonPlace = {}): unknown {
  return err instanceof SDataError ? err.withDiagnoses((d) => jsonDiagnosis(d, root, place)) : err;
}
