/**
 * Interoperability with Debian's mdevctl, run inside `vgpuctl emulate run` so that it sees the
 * emulated host's /sys and /etc/mdevctl.d; state is shared through VGPUCTL_STATE_DIR, so what
 * one tool leaves behind the other finds in its next invocation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { sandboxUnavailable, toolMissing } from '../../emulator/sandbox/test-capabilities.ts';

const A = 'a0b1c2d3-0000-4000-8000-00000000000a';
const B = 'a0b1c2d3-0000-4000-8000-00000000000b';
const C = 'a0b1c2d3-0000-4000-8000-00000000000c';
const T4 = '0000:3b:00.0';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-interop-');
});
after(() => state.cleanup());

const env = () => ({ VGPUCTL_STATE_DIR: state.dir });
const vgpuctl = (...args: string[]) => runCli(['--emulate', 'lab', ...args], env());
const mdevctl = (...args: string[]) => runCli(['emulate', 'run', '--scenario', 'lab', '--', 'mdevctl', ...args], env());

async function ok(run: Promise<{ status: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await run;
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('vgpuctl and Debian mdevctl share definitions and devices', {
  skip: sandboxUnavailable() ?? toolMissing('mdevctl'),
}, () => {
  test('a definition written by vgpuctl is listed and started by mdevctl', async () => {
    await ok(runCli(['emulate', 'reset', 'lab'], env()));
    await ok(vgpuctl('define', '--type', 'GRID T4-1B', '--gpu', T4, '--uuid', A, '--auto', '--attr', 'nvidia/dummy=1'));
    // mdevctl reads our file as its own (attributes included; -v prints them).
    assert.match(
      await ok(mdevctl('list', '--defined', '-v')),
      new RegExp(`^${A} ${T4} nvidia-222 auto\\n  Attrs:\\n    @\\{0\\}: \\{"nvidia/dummy":"1"\\}`, 'm'),
    );
    await ok(vgpuctl('modify', A, '--delattr'));
    await ok(mdevctl('start', '-u', A));
    assert.match(await ok(mdevctl('list')), new RegExp(`^${A} ${T4} nvidia-222 auto \\(defined\\)$`, 'm'));
    // …and vgpuctl sees the device mdevctl started.
    assert.match(
      await ok(vgpuctl('vgpus')),
      new RegExp(`^${A}\\s+${T4}\\s+nvidia-222\\s+GRID T4-1B\\s+running\\s+auto$`, 'm'),
    );
  });

  test('a definition written by mdevctl is listed and started by vgpuctl', async () => {
    await ok(mdevctl('define', '-u', B, '-p', T4, '-t', 'nvidia-222', '-a'));
    assert.match(
      await ok(vgpuctl('vgpus')),
      new RegExp(`^${B}\\s+${T4}\\s+nvidia-222\\s+GRID T4-1B\\s+stopped\\s+auto$`, 'm'),
    );
    const report = await ok(vgpuctl('start', '--all-auto'));
    assert.match(report, new RegExp(`^${B}\\s+${T4}\\s+nvidia-222\\s+started`, 'm'));
    assert.match(report, new RegExp(`^${A}\\s+${T4}\\s+nvidia-222\\s+running`, 'm'));
    assert.match(await ok(mdevctl('list')), new RegExp(`^${B} ${T4} nvidia-222 auto \\(defined\\)$`, 'm'));
  });

  test('mdevctl list shows vGPUs vgpuctl created, and mdevctl stop removes them for vgpuctl too', async () => {
    await ok(vgpuctl('create', '--type', 'T4-1B', '--uuid', C));
    assert.match(await ok(mdevctl('list')), new RegExp(`^${C} ${T4} nvidia-222 manual$`, 'm'));
    await ok(mdevctl('stop', '-u', C));
    assert.doesNotMatch(await ok(vgpuctl('vgpus')), new RegExp(C));
  });

  test('vgpuctl types --format mdevctl prints what mdevctl types --dumpjson prints', async () => {
    const theirs = await ok(mdevctl('types', '--dumpjson'));
    const ours = await ok(vgpuctl('types', '--format', 'mdevctl'));
    assert.equal(ours, theirs);
  });

  test('vgpuctl vgpus --format mdevctl prints what mdevctl list --dumpjson prints, running and defined', async () => {
    await ok(vgpuctl('create', '--type', 'T4-1B', '--uuid', C));
    assert.equal(await ok(vgpuctl('vgpus', '--format', 'mdevctl')), await ok(mdevctl('list', '--dumpjson')));
    assert.equal(
      await ok(vgpuctl('vgpus', '--format', 'mdevctl', '--defined')),
      await ok(mdevctl('list', '--defined', '--dumpjson')),
    );
    await ok(vgpuctl('remove', C));
  });

  test('an undefine by either tool is seen by the other', async () => {
    await ok(vgpuctl('undefine', A));
    await ok(mdevctl('undefine', '-u', B));
    assert.doesNotMatch(await ok(mdevctl('list', '--defined')), /a0b1c2d3/);
    const listed = await ok(vgpuctl('--json', 'vgpus'));
    assert.deepEqual(
      (JSON.parse(listed) as { items: { id: string; start: string | null }[] }).items.map((e) => [e.id, e.start]),
      [
        [A, null],
        [B, null],
      ],
    );
  });
});
