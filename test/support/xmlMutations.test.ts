/**
 * The fuzz suite's damage generator keeps its promises: a class switched off is never drawn, a class
 * switched on is drawn, and the documents it damages stay recognisable (most are still XML).
 */
import fc from 'fast-check';
import { ALL_CLASSES, applyMutations, hasForbiddenCharacter, mutationsArb, nestingDepth, NESTING_LIMIT, refusalExpected, type MutationClasses } from './xmlMutations';

const DOC =
  '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1">' +
  '<entry><id>a</id><sdata:payload><account sdata:uuid="c5a21872-7c6c-4df4-9174-b34ee7a97a5d"><name>Zoë 😀</name><balance>12.50</balance></account></sdata:payload></entry>' +
  '<entry><id>b</id><sdata:payload><account sdata:uuid="cb705598-c867-4d14-af30-e484a92b9a72"><name>Globex</name></account></sdata:payload></entry></feed>';

const NONE: MutationClasses = { invalidUtf8: false, forbiddenCharacters: false, duplicateSyncUuids: false, nonUuidSyncUuids: false, deepNesting: false };
const uuidsOf = (text: string) => [...text.matchAll(/sdata:uuid="([^"]*)"/g)].map((m) => m[1]);

describe('xml damage', () => {
  it('never draws a class that is switched off', () => {
    fc.assert(
      fc.property(mutationsArb(NONE), (ms) => {
        const body = applyMutations(DOC, ms, NONE, { syncPage: true });
        expect(refusalExpected(body, undefined, ALL_CLASSES)).toBeUndefined();
        const text = body.toString('utf8');
        const uuids = uuidsOf(text);
        expect(new Set(uuids).size).toBe(uuids.length);
        for (const u of uuids) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
      }),
      // A fixed seed (GENERATOR_SEED for another): this checks the generator, not the product, and must not
      // make CI depend on the draw.
      { numRuns: 1000, seed: Number(process.env.GENERATOR_SEED ?? 20261201) },
    );
  });

  it('draws each class that is switched on', () => {
    const seen = { invalidUtf8: 0, forbiddenCharacters: 0, deepNesting: 0, duplicateSyncUuids: 0, nonUuidSyncUuids: 0 };
    for (const ms of fc.sample(mutationsArb(ALL_CLASSES), 1500)) {
      const body = applyMutations(DOC, ms, ALL_CLASSES, { syncPage: true });
      const text = body.toString('utf8');
      const uuids = uuidsOf(text);
      if (refusalExpected(body, undefined, { ...NONE, invalidUtf8: true })) seen.invalidUtf8++;
      if (hasForbiddenCharacter(text)) seen.forbiddenCharacters++;
      if (nestingDepth(text) > NESTING_LIMIT) seen.deepNesting++;
      if (new Set(uuids).size < uuids.length) seen.duplicateSyncUuids++;
      if (uuids.some((u) => !/^[0-9a-f-]{36}$/i.test(u))) seen.nonUuidSyncUuids++;
    }
    for (const [name, n] of Object.entries(seen)) expect([name, n > 10]).toEqual([name, true]);
  });

  it('leaves a document it does not touch as it was, and reads its depth', () => {
    expect(applyMutations(DOC, [], NONE, { syncPage: true }).toString('utf8')).toBe(DOC);
    expect(nestingDepth(DOC)).toBe(5);
  });
});
