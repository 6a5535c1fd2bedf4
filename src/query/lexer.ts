/**
 * Tokens of the SData query language (core 2.12): names (`$` allowed first, for protocol variables such as
 * `$key`), numbers (`17`, `17.0`), strings in single or double quotes with the quote doubled inside
 * (`'Maxim''s'`), dates and timestamps between `@` (`@2008-05-19@`, `@2008-05-19T18:41:00+02:00@`), and
 * the punctuation `( ) , . + -`. Keywords (eq, and, mul, ...) are names here; the parser tells them apart,
 * case-insensitively. Positions are 1-based character positions.
 */
import { QueryError } from './errors';

export type Token =
  | { t: 'name'; text: string; pos: number }
  | { t: 'number'; text: string; decimal: boolean; pos: number }
  | { t: 'string'; text: string; pos: number }
  | { t: 'date'; text: string; pos: number }
  | { t: 'punct'; text: '(' | ')' | ',' | '.' | '+' | '-'; pos: number }
  | { t: 'end'; pos: number };

const NAME = /[A-Za-z_$][A-Za-z0-9_]*/y;
const NUMBER = /\d+(\.\d+)?/y;
const WHITESPACE = /[ \t\r\n]+/y;

function readQuoted(text: string, at: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = at + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) throw new QueryError('where', at + 1, `the string starting here is not closed with ${quote}`);
    value += text.slice(i, next);
    if (text[next + 1] === quote) {
      value += quote;
      i = next + 2;
    } else return { value, end: next + 1 };
  }
}

export function tokenize(text: string): Token[] {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new QueryError('where', nul + 1, 'the character U+0000 cannot appear in a query');
  const tokens: Token[] = [];
  let i = 0;
  const at = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(text)?.[0];
  };
  while (i < text.length) {
    const ws = at(WHITESPACE);
    if (ws) {
      i += ws.length;
      continue;
    }
    const c = text[i];
    const pos = i + 1;
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, i, c);
      tokens.push({ t: 'string', text: value, pos });
      i = end;
    } else if (c === '@') {
      const end = text.indexOf('@', i + 1);
      if (end < 0) throw new QueryError('where', pos, 'the date starting here is not closed with @');
      tokens.push({ t: 'date', text: text.slice(i + 1, end), pos });
      i = end + 1;
    } else if (c === '(' || c === ')' || c === ',' || c === '.' || c === '+' || c === '-') {
      tokens.push({ t: 'punct', text: c, pos });
      i += 1;
    } else {
      const num = at(NUMBER);
      if (num) {
        tokens.push({ t: 'number', text: num, decimal: num.includes('.'), pos });
        i += num.length;
        continue;
      }
      const name = at(NAME);
      if (!name) throw new QueryError('where', pos, `unexpected character '${c}'`);
      tokens.push({ t: 'name', text: name, pos });
      i += name.length;
    }
  }
  tokens.push({ t: 'end', pos: text.length + 1 });
  return tokens;
}
