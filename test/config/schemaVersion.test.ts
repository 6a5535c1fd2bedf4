/** The version `$schema` shows for a kind (src/config/schemaVersion.ts, PROTOCOL.md 2.7). */
import { kindSchemaVersion } from '../../src/config/schemaVersion';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import type { KindConfig } from '../../src/config/schema';

const accounts = (): KindConfig => structuredClone(parseConfig(demoConfig, {}).applications[0].kinds[0]);
const version = kindSchemaVersion(accounts());
const withChange = (change: (k: KindConfig) => void): string => {
  const k = accounts();
  change(k);
  return kindSchemaVersion(k);
};

describe('kindSchemaVersion', () => {
  it('is v1- and 16 hex digits, the same for the same definition whatever the order of its properties', () => {
    expect(version).toMatch(/^v1-[0-9a-f]{16}$/);
    expect(withChange((k) => (k.properties = Object.fromEntries(Object.entries(k.properties).reverse())))).toBe(version);
  });

  it.each<[string, (k: KindConfig) => void]>([
    ['a property added', (k) => (k.properties.vatNumber = { type: 'string', required: false })],
    ['a property dropped', (k) => delete k.properties.email],
    ['a type changed', (k) => (k.properties.balance = { type: 'integer', required: false })],
    ['a property made required', (k) => (k.properties.email = { type: 'string', required: true })],
    ['a maxLength set', (k) => (k.properties.email = { type: 'string', required: false, maxLength: 80 })],
    ['the payload element renamed', (k) => (k.element = 'customer')],
  ])('changes with %s', (_label, change) => {
    expect(withChange(change)).not.toBe(version);
  });

  it.each<[string, (k: KindConfig) => void]>([
    ['a column mapped', (k) => (k.properties.email = { type: 'string', required: false, column: 'e_mail' })],
    ['a $template default', (k) => (k.properties.email = { type: 'string', required: false, default: 'x@y.z' })],
    ['sync flags, order and priority', (k) => Object.assign(k, { isSyncTarget: false, syncOrder: 9, conflictPriority: 1 })],
  ])('does not change with what never shows in a payload: %s', (_label, change) => {
    expect(withChange(change)).toBe(version);
  });
});
