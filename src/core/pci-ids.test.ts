import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { indexPciIds, parsePciIds } from './pci-ids.ts';

const SAMPLE = [
  '# comment',
  '10de  NVIDIA Corporation',
  '\t1eb8  TU104GL [Tesla T4]',
  '\t\t10de 12a2  TU104GL [Tesla T4]',
  '\t2786  AD104 [GeForce RTX 4070]',
  '8086  Intel Corporation',
  '\t3e92  CoffeeLake-S GT2 [UHD Graphics 630]',
  'C 03  Display controller',
  '\t00  VGA compatible controller',
  '\t\t00  VGA controller',
  '\t02  3D controller',
  'C 04  Multimedia controller',
  '\t03  Audio device',
].join('\n');

describe('parsePciIds()', () => {
  const ids = parsePciIds(SAMPLE);
  test('resolves vendor, device and subsystem names', () => {
    assert.deepEqual(ids.names(0x10de, 0x1eb8, 0x10de, 0x12a2), {
      vendor: 'NVIDIA Corporation',
      device: 'TU104GL [Tesla T4]',
      subsystem: 'TU104GL [Tesla T4]',
    });
  });
  test('returns undefined for unknown ids instead of guessing', () => {
    assert.deepEqual(ids.names(0x10de, 0xffff, 0x10de, 0x0001), {
      vendor: 'NVIDIA Corporation',
      device: undefined,
      subsystem: undefined,
    });
    assert.equal(ids.vendorName(0x1234), undefined);
  });
  test('resolves class and subclass names', () => {
    assert.deepEqual(ids.className(0x030200), { base: 'Display controller', sub: '3D controller' });
    assert.deepEqual(ids.className(0x040300), { base: 'Multimedia controller', sub: 'Audio device' });
    assert.deepEqual(ids.className(0x0c0330), { base: undefined, sub: undefined });
  });
  test('a class section ends the vendor section', () => {
    assert.equal(ids.names(0x8086, 0x3e92).device, 'CoffeeLake-S GT2 [UHD Graphics 630]');
  });
});

describe('indexPciIds()', () => {
  /** Every vendor, device and subsystem id of a pci.ids text, and every class. */
  function everyId(text: string): { lookups: [number, number, number?, number?][]; classes: number[] } {
    const lookups: [number, number, number?, number?][] = [];
    const classes: number[] = [];
    let vendor = 0;
    let device = 0;
    let klass = -1;
    for (const line of text.split('\n')) {
      const sub = /^\t\t([0-9a-f]{4}) ([0-9a-f]{4}) /.exec(line);
      const dev = /^\t([0-9a-f]{2,4}) /.exec(line);
      if (line.startsWith('C ')) klass = Number.parseInt(line.slice(2, 4), 16);
      else if (/^[0-9a-f]{4} /.test(line)) {
        vendor = Number.parseInt(line.slice(0, 4), 16);
        klass = -1;
        lookups.push([vendor, 0xffff]);
      } else if (sub !== null && klass === -1) {
        lookups.push([vendor, device, Number.parseInt(sub[1] as string, 16), Number.parseInt(sub[2] as string, 16)]);
      } else if (dev !== null && klass === -1) {
        device = Number.parseInt(dev[1] as string, 16);
        lookups.push([vendor, device]);
      } else if (dev !== null) classes.push((klass << 16) | (Number.parseInt(dev[1] as string, 16) << 8));
    }
    return { lookups, classes };
  }

  test('answers every lookup as the full parse does, on the sample and on a real-size file', async () => {
    const { readFile } = await import('node:fs/promises');
    const { fixturePath } = await import('../../test/helpers/fixtures.ts');
    // The system's hwdata copy, when installed (CI installs hwdata), is the real-size case.
    const system = await readFile('/usr/share/misc/pci.ids', 'utf8').catch(() => undefined);
    if (system === undefined)
      process.stdout.write('# /usr/share/misc/pci.ids missing: only the fixtures are compared\n');
    const texts = [SAMPLE, await readFile(fixturePath('pci.ids'), 'utf8'), ...(system === undefined ? [] : [system])];
    for (const text of texts) {
      const full = parsePciIds(text);
      const indexed = indexPciIds(text);
      const { lookups, classes } = everyId(text);
      assert.ok(lookups.length > 3);
      for (const [v, d, sv, sd] of lookups) {
        assert.deepEqual(indexed.names(v, d, sv, sd), full.names(v, d, sv, sd), `${v}:${d}`);
        assert.equal(indexed.vendorName(v), full.vendorName(v));
      }
      for (const c of [...classes, 0x030000, 0xff0000]) assert.deepEqual(indexed.className(c), full.className(c));
      assert.deepEqual(indexed.names(0x1234, 0x5678), { vendor: undefined, device: undefined, subsystem: undefined });
    }
  });

  test('an id is matched whole, not as the start of a longer line', () => {
    const ids = indexPciIds(
      ['10de0  not a vendor', '10de  NVIDIA Corporation', '\t1eb8  TU104GL [Tesla T4]'].join('\n'),
    );
    assert.equal(ids.vendorName(0x10de), 'NVIDIA Corporation');
    assert.equal(ids.names(0x10de, 0x1eb8).device, 'TU104GL [Tesla T4]');
  });
});
