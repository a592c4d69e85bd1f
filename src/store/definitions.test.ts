import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmulatedHost } from '../emulator/emulated-host.ts';
import { EmulatedKernel } from '../emulator/kernel.ts';
import { Scenario } from '../emulator/scenario/schema.ts';
import { readDefinitions } from './definitions.ts';

const A = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const B = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';

function host(files: Record<string, string>): EmulatedHost {
  const kernel = EmulatedKernel.boot(Scenario.parse({ name: 'empty' }));
  for (const [path, text] of Object.entries(files)) kernel.tree.file(path, text, 0o644);
  return new EmulatedHost(kernel);
}

describe('readDefinitions()', () => {
  test('a host without /etc/mdevctl.d has no definitions', async () => {
    assert.deepEqual(await readDefinitions(host({})), { mdev: [], vendorVfio: [], problems: [] });
  });

  test('reads mdevctl and vendor-VFIO definitions, and reports unusable files beside them', async () => {
    const defs = await readDefinitions(
      host({
        [`/etc/mdevctl.d/0000:3b:00.0/${A}`]: '{"mdev_type":"nvidia-222","start":"auto","attrs":[]}',
        [`/etc/mdevctl.d/0000:3b:00.0/${B}`]: '{"mdev_type":"nvidia-2',
        [`/etc/mdevctl.d/0000:3b:00.0/.${A}.123.tmp`]: '{"mdev',
        [`/etc/mdevctl.d/nvidia/${A.toUpperCase()}`]: '{"mdev_type":"nvidia-222","start":"auto"}',
        '/etc/mdevctl.d/nvidia/notes': 'hello',
        [`/etc/mdevctl.d/mtty/${B}`]: '{"mdev_type":"../../x","start":"auto"}',
        '/etc/mdevctl.d/scripts.d/callouts/hook': '#!/bin/sh',
        '/etc/vgpuctl/vendor-vfio.d/0000:41:00.0/0000:41:00.4':
          '{"version":1,"vgpu_type":1145,"vgpu_type_name":"NVIDIA L40S-1B","start":"manual"}',
        '/etc/vgpuctl/vendor-vfio.d/0000:41:00.0/0000:41:00.5': '{}',
      }),
    );
    assert.deepEqual(defs.mdev, [
      {
        kind: 'mdev',
        uuid: A,
        parent: '0000:3b:00.0',
        path: `/etc/mdevctl.d/0000:3b:00.0/${A}`,
        mdevType: 'nvidia-222',
        start: 'auto',
        attrs: [],
      },
    ]);
    assert.deepEqual(defs.vendorVfio, [
      {
        kind: 'vendor-vfio',
        vf: '0000:41:00.4',
        pf: '0000:41:00.0',
        path: '/etc/vgpuctl/vendor-vfio.d/0000:41:00.0/0000:41:00.4',
        typeId: 1145,
        typeName: 'NVIDIA L40S-1B',
        start: 'manual',
      },
    ]);
    assert.deepEqual(
      defs.problems.map((p) => [p.parent, p.id, p.reason.replace(/ \(.*\)$/, '')]),
      [
        ['0000:3b:00.0', B, 'not valid JSON'],
        ['mtty', B, '"mdev_type" "../../x" is not an mdev type id'],
        ['nvidia', A.toUpperCase(), 'the file name is an upper-case UUID'],
        ['nvidia', 'notes', 'the file name is not a UUID'],
        ['0000:41:00.0', '0000:41:00.5', '"version" is undefined, expected 1'],
      ],
    );
  });
});
