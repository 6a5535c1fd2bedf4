/**
 * Reading a /metrics answer as Prometheus would, strictly: every line is `# HELP name text`,
 * `# TYPE name type`, `name{label="value",...} value [timestamp]` or empty, with metric and label names,
 * escapes and values as the text exposition format (0.0.4) defines them; a sample comes after the TYPE of
 * its family (a histogram's `_bucket`, `_sum` and `_count` too) and no family is typed twice.
 *
 * Hand-written rather than parse-prometheus-text-format: that parser takes any line for a sample
 * (`garbage line here` parses) and drops the labels and counts of histograms, so it can neither refuse a
 * bad answer nor read a histogram's series.
 */

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}`;
// Values as Go's ParseFloat reads them (what Prometheus uses): Inf and NaN in any case (prom-client writes `Nan`).
const VALUE = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[iI][nN][fF]|[nN][aA][nN]';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}(?:,${LABEL})*,?)?)\\})? (${VALUE})(?: -?\\d+)?$`);
const ONE_LABEL = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)=(${LABEL_VALUE})`, 'g');
const HELP = new RegExp(`^# HELP (${NAME})(?: .*)?$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

const unescape = (quoted: string): string => quoted.slice(1, -1).replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const own = families.get(sample);
  if (own) return own;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const f = m ? families.get(m[1]) : undefined;
  return f && (f.type === 'histogram' || f.type === 'summary') ? f : undefined;
}

/** The families of an exposition; throws, naming the line, when the text is not in the Prometheus text format. */
export function parseExposition(text: string): Family[] {
  const families = new Map<string, Family>();
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition does not end with a newline');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line.slice(0, 200)}`;
    if (line === '' || HELP.test(line)) return;
    const type = TYPE.exec(line);
    if (type) {
      if (families.has(type[1])) throw new Error(`family typed twice, ${where}`);
      families.set(type[1], { name: type[1], type: type[2], samples: [] });
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus text line, ${where}`);
    const family = familyOf(families, m[1]);
    if (!family) throw new Error(`sample before the TYPE of its family, ${where}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(ONE_LABEL)].map((l) => [l[1], unescape(l[2])]));
    family.samples.push({ name: m[1], labels, value: Number(/nan/i.test(m[3]) ? NaN : m[3].replace(/inf/i, 'Infinity')) });
  });
  return [...families.values()];
}

/** The value of the sample `name` (a family's name, or a histogram's `_count`, ...) whose labels include `labels`. */
export function sampleValue(families: Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families) {
    const s = f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    if (s) return s.value;
  }
  return undefined;
}

/** GET {baseUrl}/metrics, checked and parsed; throws on any answer but 200 in the text format. */
export async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<Family[]> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/metrics: ${res.status} ${text.slice(0, 300)}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers.get('content-type') ?? '')) throw new Error(`GET ${baseUrl}/metrics: content type ${res.headers.get('content-type')}`);
  return parseExposition(text);
}
