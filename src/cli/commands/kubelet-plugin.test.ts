import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturePath, runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { FakeApiServer } from '../../kube/_test-apiserver.ts';
import { DraKubelet, registerPlugin } from '../../kube/_test-kubelet.ts';
import { slotUuid } from '../../kube/slot-uuid.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-kubelet-plugin-');
});
after(() => state.cleanup());

const BIN = new URL('../../../bin/vgpuctl', import.meta.url).pathname;

describe('vgpuctl kubelet-plugin', () => {
  test('config prints permittedHostDevices with the names the device plugin registers', async () => {
    const run = await runCli(['kubelet-plugin', 'config', '--emulate', 'lab'], { VGPUCTL_STATE_DIR: state.dir });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^permittedHostDevices:$/m);
    assert.match(
      run.stdout,
      /- pciVendorSelector: "10DE:1EB8"\n {6}resourceName: "nvidia.com\/TU104GL_TESLA_T4"\n {6}externalResourceProvider: true/,
    );
    assert.match(run.stdout, /- mdevNameSelector: "GRID T4-1B"\n {6}resourceName: "nvidia.com\/GRID_T4-1B"/);
    // The boot display (the iGPU) is never offered for passthrough.
    assert.doesNotMatch(run.stdout, /8086:3E92/i);
  });

  test('slices --json prints the ResourceSlices dra would publish', async () => {
    const run = await runCli(
      ['kubelet-plugin', 'slices', '--node-name', 'n1', '--types', 'T4-1B', '--json', '--emulate', 'lab'],
      {
        VGPUCTL_STATE_DIR: state.dir,
      },
    );
    assert.equal(run.status, 0, run.stderr);
    const { items } = JSON.parse(run.stdout);
    const t4 = items.find((s: { metadata: { name: string } }) => s.metadata.name === 'n1-gpu-vgpuctl-io-0000-3b-00-0');
    assert.equal(t4.spec.devices.length, 17); // the whole GPU and 16 T4-1B slots
    assert.equal(t4.spec.pool.name, 'n1');
  });

  test('dra runs as a daemon: registers, prepares a T4-1B claim on the emulated host, stops on SIGTERM', async () => {
    const api = new FakeApiServer();
    await api.start();
    const dir = join(state.dir, 'kubelet');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'kubelet-plugin',
        'dra',
        '--emulate',
        'kubevirt-t4',
        '--node-name',
        'n1',
        '--api-server',
        api.url,
        '--registry-dir',
        join(dir, 'plugins_registry'),
        '--plugins-dir',
        join(dir, 'plugins'),
        '--json',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          VGPUCTL_FROM_SOURCE: '1',
          VGPUCTL_PCI_IDS: fixturePath('pci.ids'),
          VGPUCTL_STATE_DIR: join(state.dir, 'dra-state'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const banner = await new Promise<{ registrationSocket: string; draSocket: string }>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          try {
            resolve(JSON.parse(stdout));
          } catch {
            // not complete yet
          }
        });
        void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
      });
      const info = await registerPlugin(banner.registrationSocket);
      assert.equal(info.name, 'gpu.vgpuctl.io');
      const device = 'vgpu-nvidia-nvidia-222-0';
      api.putClaim({
        namespace: 'vms',
        name: 'vm-gpu',
        uid: 'u-1',
        results: [{ request: 'gpu', driver: 'gpu.vgpuctl.io', pool: 'n1', device }],
      });
      const kubelet = new DraKubelet(banner.draSocket);
      const prepared = await kubelet.prepare([{ namespace: 'vms', name: 'vm-gpu', uid: 'u-1' }]);
      kubelet.close();
      assert.equal(prepared.claims['u-1']?.error, '');
      assert.deepEqual(
        prepared.claims['u-1']?.devices.map((d) => d.device_name),
        [device],
      );
      assert.ok(api.deviceNames().includes(device));
      assert.deepEqual(api.rejected, []);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      // The mdev outlives the daemon (the VM uses it) and is saved with the emulated host.
      const vgpus = await runCli(['vgpus', '--json', '--emulate', 'kubevirt-t4'], {
        VGPUCTL_STATE_DIR: join(state.dir, 'dra-state'),
      });
      assert.match(vgpus.stdout, new RegExp(slotUuid('n1', device)));
    } finally {
      child.kill('SIGKILL');
      await api.stop();
    }
  });
});
