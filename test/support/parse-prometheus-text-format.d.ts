declare module 'parse-prometheus-text-format' {
  /** prom2json's shape: one object per metric family. */
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
