/**
 * The progress of a pass on a terminal and the command's log lines on the same stderr: a log line is
 * written above the bar, whole, never drawn through it. The bytes written to a fake terminal are played on
 * a small screen model (the cursor movements and clearing that cli-progress uses), and the screen is read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/program';
import { progressView } from '../../src/cli/progress';

/** A TTY-like stream that keeps what is written. */
function fakeTerminal(): NodeJS.WriteStream & { bytes: string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream & { bytes: string };
  Object.assign(stream, { isTTY: true, columns: 120, rows: 40 });
  Object.defineProperty(stream, 'bytes', { get: () => chunks.join('') });
  return stream;
}

/** The screen after `bytes`: printable characters, \r, \n and the CSI sequences readline writes (G, A-D, K, J). */
function screen(bytes: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => (rows[row] ??= []);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === '\x1b') {
      const m = /^\x1b(?:\[([?\d;]*)([A-Za-z])|[78])/.exec(bytes.slice(i));
      if (!m) throw new Error(`unknown escape at ${i}: ${JSON.stringify(bytes.slice(i, i + 8))}`);
      i += m[0].length - 1;
      const n = Number(m[1] || 0);
      switch (m[2]) {
        case 'G': col = Math.max(0, n - 1); break;
        case 'A': row = Math.max(0, row - (n || 1)); break;
        case 'B': row += n || 1; break;
        case 'C': col += n || 1; break;
        case 'D': col = Math.max(0, col - (n || 1)); break;
        case 'K': if (n === 2) rows[row] = []; else if (n === 0) line().length = Math.min(line().length, col); else line().fill(' ', 0, col); break;
        case 'J': line().length = Math.min(line().length, col); rows.length = row + 1; break;
        default: break; // cursor shown or hidden, line wrapping, cursor saved or restored
      }
    } else if (c === '\n') {
      row += 1;
      col = 0;
    } else if (c === '\r') col = 0;
    else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = c;
    }
  }
  return rows.map((r) => (r ?? []).join('').trimEnd()).filter((r) => r !== '');
}

describe('progress on a terminal', () => {
  afterEach(() => jest.useRealTimers());

  it('writes log lines above the bar, whole, and the bar below them', () => {
    jest.useFakeTimers(); // the bar is redrawn on a timer: each step below lets it redraw
    const tty = fakeTerminal();
    const view = progressView(tty);
    const logLine = (n: number) => `${JSON.stringify({ level: 40, msg: `retrying request ${n}` })}\n`;
    const redraw = () => jest.advanceTimersByTime(500);
    view.write(logLine(0)); // before any bar: at once
    view.update({ type: 'kind', kind: 'accounts', source: 'http://a/x', target: 'http://b/x' });
    view.update({ type: 'page', kind: 'accounts', page: 1, entries: 5, entriesDone: 5, totalResults: 10 });
    redraw();
    view.write(logLine(1));
    redraw();
    view.update({ type: 'page', kind: 'accounts', page: 2, entries: 5, entriesDone: 10, totalResults: 10 });
    redraw();
    view.write(logLine(2)); // logged after the last redraw: written when the bar stops
    view.stop();
    const lines = screen(tty.bytes);
    const logged = lines.filter((l) => l.includes('retrying'));
    expect(logged).toHaveLength(3);
    for (const [n, l] of logged.entries()) expect(JSON.parse(l)).toEqual({ level: 40, msg: `retrying request ${n}` });
    const bars = lines.filter((l) => l.includes('entries | page'));
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatch(/accounts \[.*\] 10\/10 entries \| page 2/);
    expect(lines.indexOf(bars[0])).toBe(lines.length - 1);
  });

  it('writes log lines as they come when stderr is not a terminal', () => {
    const out = fakeTerminal();
    Object.assign(out, { isTTY: false });
    const view = progressView(out);
    view.update({ type: 'kind', kind: 'accounts', source: 'http://a/x', target: 'http://b/x' });
    view.write('{"msg":"one"}\n');
    view.update({ type: 'page', kind: 'accounts', page: 1, entries: 5, entriesDone: 5 });
    view.stop();
    expect(out.bytes).toBe('accounts: http://a/x -> http://b/x\n{"msg":"one"}\naccounts: page 1, 5 entries (5)\n');
  });
});

describe('the log lines of a pass', () => {
  let server: Server;
  let base: string;
  const level = process.env.LOG_LEVEL;
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not here'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdata`;
    process.env.LOG_LEVEL = 'info';
  });
  afterAll(async () => {
    if (level === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = level;
    await new Promise((done) => server.close(done));
  });

  it('go through its progress view on stderr (not to the file descriptor beside it)', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['pass', '--source', `${base}/crm/test/-/accounts`, '--target', `${base}/erp/test/-/accounts`])).toBe(1);
      const lines = stderr.mock.calls.map((c) => String(c[0]));
      expect(lines[0]).toMatch(/^accounts: .* -> .*\n$/); // the progress view's first line
      const ended = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; outcome: string });
      expect(ended).toEqual([expect.objectContaining({ msg: 'pass ended', outcome: 'failed' })]);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });
});
