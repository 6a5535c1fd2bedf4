/** The episode of one alert rule on one route (logger/alertEpisode.ts): one post per episode, table-driven. */
import { nextEpisode, type EpisodePost, type EpisodeState } from '../../src/logger/alertEpisode';

describe('nextEpisode', () => {
  it.each<[EpisodeState, boolean | undefined, EpisodeState, EpisodePost | undefined]>([
    ['ok', false, 'ok', undefined],
    ['ok', true, 'firing', 'firing'],
    ['ok', undefined, 'ok', undefined],
    ['firing', true, 'firing', undefined],
    ['firing', false, 'recovered', 'recovered'],
    ['firing', undefined, 'firing', undefined],
    ['recovered', false, 'ok', undefined],
    ['recovered', true, 'firing', 'firing'],
    ['recovered', undefined, 'recovered', undefined],
  ])('%s, condition %s -> %s, posts %s', (state, condition, next, post) => {
    expect(nextEpisode(state, condition)).toEqual(post ? { state: next, post } : { state: next });
  });

  /** The posts of a run of observations from ok. */
  const posts = (observations: (boolean | undefined)[]): EpisodePost[] => {
    let state: EpisodeState = 'ok';
    const out: EpisodePost[] = [];
    for (const o of observations) {
      const step = nextEpisode(state, o);
      state = step.state;
      if (step.post) out.push(step.post);
    }
    return out;
  };

  it.each<[string, (boolean | undefined)[], EpisodePost[]]>([
    ['never behind', [false, false, undefined, false], []],
    ['behind for a long time: one post', [true, true, true, undefined, true, true], ['firing']],
    ['behind, recovered, behind again: a post per episode', [true, true, false, false, true, true], ['firing', 'recovered', 'firing']],
    ['flapping: every transition once', [true, false, true, false], ['firing', 'recovered', 'firing', 'recovered']],
    ['unknown observations change nothing', [undefined, true, undefined, undefined, false, undefined], ['firing', 'recovered']],
  ])('%s', (_name, observations, expected) => {
    expect(posts(observations)).toEqual(expected);
  });
});
