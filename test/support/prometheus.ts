/**
 * Reading a /metrics answer as Prometheus would: parsed by parse-prometheus-text-format (into prom2json's
 * shape), after a strict check of every line against the text exposition format, since that parser takes
 * any line for a sample (`garbage line here` parses). The check: `# HELP name text`, `# TYPE name type`
 * or `name{label="value",...} number` (or an empty line), metric and label names as the format defines them, label values
 * escaped, no sample before the TYPE of its family, no family typed twice.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Values as Go's ParseFloat reads them (what Prometheus uses): Inf and NaN in any case (prom-client writes `Nan`).
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[iI][nN][fF]|[nN][aA][nN])';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*,?)?\\})? ${VALUE}(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Throws, naming the line, when the text is not in the Prometheus text format. */
export function checkExposition(text: string): void {
  const typed = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition does not end with a newline');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line.slice(0, 200)}`;
    if (line === '') return; // the format allows empty lines (prom-client writes one between families)
    const type = TYPE.exec(line);
    if (type) {
      if (typed.has(type[1])) throw new Error(`family typed twice, ${where}`);
      typed.set(type[1], type[2]);
      return;
    }
    if (HELP.test(line)) return;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a Prometheus text line, ${where}`);
    const family = [...typed.keys()].find((f) => sample[1] === f || (/^(histogram|summary)$/.test(typed.get(f)!) && new RegExp(`^${f}_(bucket|sum|count)$`).test(sample[1])));
    if (!family) throw new Error(`sample before the TYPE of its family, ${where}`);
  });
}

export function parseExposition(text: string): Family[] {
  checkExposition(text);
  return parsePrometheusTextFormat(text) as Family[];
}

/** The value of the sample of `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(families: Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  const m = families.find((f) => f.name === name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  return m?.value === undefined ? undefined : Number(m.value);
}

/** GET {baseUrl}/metrics, checked and parsed; throws on any answer but 200. */
export async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<Family[]> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/metrics: ${res.status} ${text.slice(0, 300)}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers.get('content-type') ?? '')) throw new Error(`GET ${baseUrl}/metrics: content type ${res.headers.get('content-type')}`);
  return parseExposition(text);
}
