import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addRenderNode, bootHost } from '../manager/_test-hosts.ts';
import { discover } from './discover.ts';

describe('discover(): DRM render nodes', () => {
  test('the lab host as booted has none: the emulator does not model DRM', async () => {
    const { host } = bootHost('lab');
    assert.deepEqual((await discover(host)).drm, { renderNodes: [] });
  });

  test('finds render nodes with their PCI function, driver and /dev node, ordered by minor', async () => {
    const { kernel, host } = bootHost('lab');
    addRenderNode(kernel, '0000:01:00.0', 129);
    addRenderNode(kernel, '0000:00:02.0', 128);
    addRenderNode(kernel, '0000:81:00.0', 130, { devNode: false });
    const inventory = await discover(host);
    assert.deepEqual(inventory.drm?.renderNodes, [
      {
        name: 'renderD128',
        devNode: '/dev/dri/renderD128',
        devNodeExists: true,
        pciAddress: '0000:00:02.0',
        driver: 'i915',
      },
      {
        name: 'renderD129',
        devNode: '/dev/dri/renderD129',
        devNodeExists: true,
        pciAddress: '0000:01:00.0',
        driver: 'nvidia',
      },
      {
        name: 'renderD130',
        devNode: '/dev/dri/renderD130',
        devNodeExists: false,
        pciAddress: '0000:81:00.0',
        driver: 'nvidia',
      },
    ]);
  });

  test('a render node of a virtual device (vgem) has no PCI address', async () => {
    const { kernel, host } = bootHost('lab');
    kernel.tree.mkdir('/sys/devices/platform/vgem/drm/renderD128');
    kernel.tree.link('/sys/devices/platform/vgem/drm/renderD128/device', '/sys/devices/platform/vgem');
    kernel.tree.link('/sys/class/drm/renderD128', '/sys/devices/platform/vgem/drm/renderD128');
    kernel.tree.link('/sys/class/drm/card0', '/sys/devices/platform/vgem/drm/card0');
    const nodes = (await discover(host)).drm?.renderNodes;
    assert.deepEqual(nodes, [
      { name: 'renderD128', devNode: '/dev/dri/renderD128', devNodeExists: false, pciAddress: null, driver: null },
    ]);
  });
});
