import { NS } from '../../src/atom/namespaces';
import { buildTracking, parseTracking, type Tracking } from '../../src/atom/tracking';
import { SDataError } from '../../src/protocol/diagnosis';

const full: Tracking = { phase: 'applying', phaseDetail: 'applying 1000 entries', progress: 40, elapsedSeconds: 1.25, remainingSeconds: 1.875, pollingMillis: 250 };

describe('buildTracking and parseTracking', () => {
  it('round-trips every field', () => {
    expect(parseTracking(buildTracking(full))).toEqual(full);
  });

  it('writes an sdata:tracking root declaring the sdata prefix, fields in SData order', () => {
    expect(buildTracking(full)).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><sdata:tracking xmlns:sdata="${NS.sdata}"><sdata:phase>applying</sdata:phase>` +
        '<sdata:phaseDetail>applying 1000 entries</sdata:phaseDetail><sdata:progress>40</sdata:progress><sdata:elapsedSeconds>1.25</sdata:elapsedSeconds>' +
        '<sdata:remainingSeconds>1.875</sdata:remainingSeconds><sdata:pollingMillis>250</sdata:pollingMillis></sdata:tracking>',
    );
  });

  it('leaves out the fields not given, and rounds seconds to milliseconds and pollingMillis to a whole number', () => {
    expect(parseTracking(buildTracking({ phase: 'selecting' }))).toEqual({ phase: 'selecting' });
    expect(parseTracking(buildTracking({ phase: 'p', elapsedSeconds: 0.1234567, pollingMillis: 20.6, progress: Number.NaN }))).toEqual({ phase: 'p', elapsedSeconds: 0.123, pollingMillis: 21 });
  });

  it('reads the document with any prefix, or inside an entry payload', () => {
    const bare = `<tracking xmlns="${NS.sdata}"><phase>p</phase><progress>12.0</progress><pollingMillis>500</pollingMillis></tracking>`;
    expect(parseTracking(bare)).toEqual({ phase: 'p', progress: 12, pollingMillis: 500 });
    const inEntry = `<entry xmlns="${NS.atom}" xmlns:s="${NS.sdata}"><s:payload><s:tracking><s:phase>q</s:phase><s:elapsedSeconds>3</s:elapsedSeconds></s:tracking></s:payload></entry>`;
    expect(parseTracking(inEntry)).toEqual({ phase: 'q', elapsedSeconds: 3 });
  });

  it('reads a number it cannot use as absent, so a poller keeps its default', () => {
    const odd = `<tracking xmlns="${NS.sdata}"><phase>p</phase><progress>12%</progress><pollingMillis>-5</pollingMillis><remainingSeconds/></tracking>`;
    expect(parseTracking(odd)).toEqual({ phase: 'p' });
  });

  it('refuses a document that holds no tracking (400 InvalidTracking)', () => {
    expect(() => parseTracking(`<tracking xmlns="urn:other"><phase>p</phase></tracking>`)).toThrow(SDataError);
    try {
      parseTracking(`<feed xmlns="${NS.atom}"/>`);
    } catch (err) {
      expect((err as SDataError).status).toBe(400);
      expect((err as SDataError).diagnoses[0]).toMatchObject({ sdataCode: 'BadRequest', applicationCode: 'InvalidTracking' });
    }
    expect.assertions(3);
  });
});
