import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkOpen } from '../kernfs/tree.ts';
import { assertErrno, bootFixture, DEV, DRIVERS, exists, text } from './fixture.ts';

const USER = { uid: 1000, privileged: false };

describe('conformance #1–#5: PCI function attributes', () => {
  test('#1 vendor, class and revision read exactly, mode 0444, st_size 4096', () => {
    const k = bootFixture();
    const expected: [string, string][] = [
      ['vendor', '0x10de\n'],
      ['class', '0x030200\n'],
      ['revision', '0xa1\n'],
    ];
    for (const [name, value] of expected) {
      assert.equal(text(k, `${DEV}/${name}`), value);
      const node = k.tree.lookup(`${DEV}/${name}`);
      assert.equal(node.mode, 0o444);
      assert.ok(node.kind === 'attr' && node.size === 4096);
    }
  });

  test('#2 config: 4096 bytes for root starting de 10 36 22, 64 bytes for others, st_size 4096', () => {
    const k = bootFixture();
    const root = k.read(`${DEV}/config`);
    assert.equal(root.length, 4096);
    assert.deepEqual([...root.subarray(0, 4)], [0xde, 0x10, 0x36, 0x22]);
    const user = k.read(`${DEV}/config`, USER);
    assert.equal(user.length, 64);
    assert.deepEqual(user, root.subarray(0, 64));
    const node = k.tree.lookup(`${DEV}/config`);
    assert.ok(node.kind === 'attr' && node.size === 4096);
  });

  test('#3 resource has 13 formatted lines; resource0 is 16 MiB 0600; resource1 has a _wc twin; no resource2', () => {
    const k = bootFixture();
    const lines = text(k, `${DEV}/resource`).split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 13);
    for (const line of lines) assert.match(line, /^0x[0-9a-f]{16} 0x[0-9a-f]{16} 0x[0-9a-f]{16}$/);
    const r0 = k.tree.lookup(`${DEV}/resource0`);
    assert.ok(r0.kind === 'attr' && r0.size === 16 * 1024 * 1024);
    assert.equal(r0.mode, 0o600);
    assert.ok(exists(k, `${DEV}/resource1`) && exists(k, `${DEV}/resource1_wc`));
    assert.equal(exists(k, `${DEV}/resource2`), false);
    assert.equal(exists(k, `${DEV}/resource0_wc`), false);
  });

  test('#4 driver_override reads (null), takes a name, clears on "\\n", rejects 4095 bytes', () => {
    const k = bootFixture();
    const path = `${DEV}/driver_override`;
    assert.equal(text(k, path), '(null)\n');
    assert.equal(k.write(path, 'vfio-pci\n'), 9);
    assert.equal(text(k, path), 'vfio-pci\n');
    k.write(path, '\n');
    assert.equal(text(k, path), '(null)\n');
    assertErrno(() => k.write(path, 'x'.repeat(4095)), 'EINVAL');
    assert.equal(text(k, path), '(null)\n');
  });

  test('#5 opening write-only files for reading and read-only files for writing is EACCES, even for root', () => {
    const k = bootFixture();
    const root = { uid: 0, privileged: true };
    for (const path of [`${DEV}/remove`, `${DEV}/reset`, `${DRIVERS}/vfio-pci/bind`]) {
      assertErrno(() => checkOpen(k.tree.lookup(path), 'read', root), 'EACCES');
      assertErrno(() => k.read(path), 'EACCES');
    }
    assertErrno(() => k.write(`${DEV}/vendor`, '0x1234\n'), 'EACCES');
  });
});
