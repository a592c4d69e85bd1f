/**
 * How much of the host each command reads, counted at the host port on `big` (48 T4s, 512
 * vGPUs): `vgpus`, `types`, `create --gpu` and `remove UUID` read only what they print or change, so a change
 * that makes them read the whole host again (every PCI function's details, every type's
 * attributes, every GPU for one) fails here. The bounds sit a little above today's counts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixturePciIds } from '../../../test/helpers/fixtures.ts';
import { EmulatedHost } from '../../emulator/emulated-host.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { resolveScenario } from '../../emulator/scenario/load.ts';
import { countingHost } from '../../host/_test-counting-host.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { listCommand } from './list.ts';
import { typesCommand } from './types.ts';
import { createCommand } from './vgpu/create.ts';
import { removeCommand } from './vgpu/remove.ts';
import { vgpusCommand } from './vgpu/vgpus.ts';

describe('host reads per command on big:gpus=48,instances=512', async () => {
  const pciIds = await fixturePciIds();
  const kernel = EmulatedKernel.boot(resolveScenario({ name: 'big:gpus=48,instances=512' }));
  const counting = countingHost(new EmulatedHost(kernel));
  const context: CommandContext = { host: counting.host, pciIds, emulator: undefined, env: {}, dryRun: false };
  const calls = async (run: () => Promise<unknown>): Promise<number> => {
    counting.reset();
    await run();
    return counting.counts.total;
  };

  const list = await calls(() => listCommand(context));

  test('list reads every GPU, but not the processes behind /proc', () => {
    assert.ok(list > 5000, `list made ${list} calls: it must still read the whole inventory`);
    assert.ok(list <= 11_000, `list made ${list} calls (bound 11000)`);
    assert.equal(counting.counts.paths.filter((p) => /^\w+ \/proc\/\d/.test(p)).length, 0);
  });

  test('vgpus reads the mdev bus, instances and definitions: under a quarter of list', async () => {
    const n = await calls(() => vgpusCommand(context, {}));
    assert.ok(n <= 2400 && n < list / 4, `vgpus made ${n} calls (bound 2400; list made ${list})`);
  });

  test('types reads the types, not PCI details, IOMMU groups or instances', async () => {
    const n = await calls(() => typesCommand(context, {}));
    assert.ok(n <= 5800 && n < list * 0.6, `types made ${n} calls (bound 5800; list made ${list})`);
    assert.equal(counting.counts.paths.filter((p) => /\/(resource|numa_node|current_link_speed)$/.test(p)).length, 0);
  });

  test('types --gpu, create --gpu and remove UUID read one GPU', async () => {
    const gpu = '0000:60:00.0'; // the 48th T4, with room for vGPUs
    const types = await calls(() => typesCommand(context, { gpu }));
    assert.ok(types <= 200, `types --gpu made ${types} calls (bound 200)`);
    let created: CommandResult | undefined;
    const create = await calls(async () => {
      created = await createCommand(context, { type: 'nvidia-222', gpu });
    });
    assert.ok(create <= 200, `create --gpu made ${create} calls (bound 200)`);
    assert.equal(
      counting.counts.paths.filter((p) => p.includes('/mdev_supported_types/') && !p.includes(gpu)).length,
      0,
      'create --gpu read another GPU',
    );
    const uuid = (created?.text ?? '').trim();
    const remove = await calls(() => removeCommand(context, [uuid], 'remove'));
    assert.ok(remove <= 200, `remove UUID made ${remove} calls (bound 200)`);
  });
});
