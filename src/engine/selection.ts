/**
 * Reading a source's sync feed for a given floor, page by page (PROTOCOL.md 6, steps 2 and 3), for the
 * engine's work that selects once and sends the pages elsewhere: a two-phase distribution and a change
 * file export. One page is held at a time; the source context is dropped when the pages are read, or
 * when the reader stops early.
 */
import { digestEntryDocument } from '../atom/digestXml';
import type { Digest } from '../protocol/types';
import { readFeedHead, type FeedHead } from './syncPageHead';
import { ENTRY_TYPE, type SDataClient } from './sdataClient';
import { dropContext, postTracked } from './pass';

export interface SelectedPage {
  /** The page as the source sent it. */
  xml: string;
  head: FeedHead;
  /** 1-based. */
  number: number;
}

/** The pages of `source`'s sync feed for `floor`, in order. */
export async function* selectionPages(client: SDataClient, source: string, floor: Digest, pageSize?: number): AsyncGenerator<SelectedPage> {
  const body = digestEntryDocument(floor, floor.origin ?? source, new Date().toISOString());
  const first = await postTracked(client, source, '$syncSource', body, ENTRY_TYPE, { count: pageSize });
  try {
    let answer = first.answer;
    for (let number = 1; ; number++) {
      const head = readFeedHead(answer.body);
      yield { xml: answer.body, head, number };
      if (head.next === undefined) return;
      answer = await client.exchange('GET', head.next);
    }
  } finally {
    await dropContext(client, first.context);
  }
}
