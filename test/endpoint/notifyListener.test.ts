/** A `$syncNotify` listener's bounded buffer (src/endpoint/notify/listener.ts): a slow listener gets the latest digest only. */
import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { NotifyListener } from '../../src/endpoint/notify/listener';
import { digestEvent } from '../../src/endpoint/notify/digestEvent';
import { digestFrom } from '../support/protocolFixtures';

const EP = 'http://a.test/sdata/a/test/-/x';

/** An answer whose socket takes one frame, then is full until drained. */
function slowAnswer() {
  const res = new EventEmitter() as EventEmitter & { written: string[]; full: boolean; write(s: string): boolean };
  res.written = [];
  res.full = false;
  res.write = (s: string) => {
    res.written.push(s);
    res.full = true;
    return false;
  };
  return res;
}

describe('NotifyListener', () => {
  it('while the socket is full, keeps only the latest event, and writes it when the socket drains', () => {
    const res = slowAnswer();
    const l = new NotifyListener(res as unknown as Response);
    const events = [1, 2, 3, 4, 5].map((t) => digestEvent(digestFrom(EP, [EP, t]), EP));
    for (const e of events) l.send('digest', e);
    expect(res.written).toHaveLength(1);
    expect(res.written[0]).toContain(`id: ${events[0].id}`);
    res.emit('drain');
    expect(res.written).toHaveLength(2);
    expect(res.written[1]).toContain(`id: ${events[4].id}`);
    res.emit('drain');
    expect(res.written).toHaveLength(2);
  });
});
