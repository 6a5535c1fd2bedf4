/**
 * The listener the three servers share (src/http/listen.ts): a keep-alive connection left idle longer than
 * Node's default 5 s is still served, so a client (or a proxy) that sends on it never meets a connection the
 * server is closing at that moment; a stop still closes it at once.
 */
import { connect, type Socket } from 'node:net';
import { listenBehindGate } from '../../src/http/listen';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one GET on the socket and resolves with the status line of its answer, or with 'closed'. */
function get(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    if (socket.destroyed || socket.readableEnded) return resolve('closed');
    let text = '';
    const onData = (b: Buffer) => {
      text += b.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
      if (text.length - end - 4 < length) return;
      socket.off('data', onData);
      resolve(text.split('\r\n')[0]);
    };
    socket.on('data', onData);
    socket.once('close', () => resolve('closed'));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('the shared listener', () => {
  it('keeps an idle keep-alive connection open past 6 s, and a stop closes it', async () => {
    const listening = await listenBehindGate({ tls: undefined, host: '127.0.0.1', port: 0 });
    listening.ready((_req, res) => res.end('ok'), async () => undefined);
    const socket = connect(listening.port, '127.0.0.1');
    try {
      expect(await get(socket, '/a')).toBe('HTTP/1.1 200 OK');
      await sleep(6_000);
      expect(await get(socket, '/b')).toBe('HTTP/1.1 200 OK');
      const closed = new Promise((resolve) => socket.once('close', resolve));
      await listening.close({ graceMillis: 1_000 });
      await closed;
    } finally {
      socket.destroy();
    }
  }, 30_000);
});
