/**
 * One alert rule on one route: a pure state machine that turns a stream of observations (is the rule's
 * condition true now?) into at most one post per episode.
 *
 *             condition true / post "firing"
 *     ┌────┐ ────────────────────────────────▶ ┌────────┐ ◀─┐ condition true (nothing posted)
 *     │ ok │                                    │ firing │ ──┘
 *     └────┘ ◀───┐                              └────────┘
 *       ▲  │     │ condition false                 │ condition false / post "recovered"
 *       │  └─────┘ (nothing posted)                ▼
 *       │  condition false                    ┌───────────┐
 *       └──────────────────────────────────── │ recovered │
 *                                              └───────────┘
 *                  condition true / post "firing" (a new episode) ──▶ firing
 *
 * `recovered` is the first healthy observation after an episode (its recovery is posted once); the next
 * healthy one settles to `ok`. An observation that cannot be made (a digest not read yet) is no observation:
 * the state stays as it is.
 */
export type EpisodeState = 'ok' | 'firing' | 'recovered';
export type EpisodePost = 'firing' | 'recovered';

export interface EpisodeStep {
  state: EpisodeState;
  /** What to post for this observation, if anything. */
  post?: EpisodePost;
}

export function nextEpisode(state: EpisodeState, condition: boolean | undefined): EpisodeStep {
  if (condition === undefined) return { state };
  if (condition) return state === 'firing' ? { state } : { state: 'firing', post: 'firing' };
  if (state === 'firing') return { state: 'recovered', post: 'recovered' };
  return { state: 'ok' };
}
