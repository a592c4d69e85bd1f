/**
 * libvirt accepts what vgpuctl emits: every complete domain, and every fragment placed in a
 * minimal domain, validates with `virt-xml-validate <file> domain` (Debian's libvirt-clients
 * with libxml2-utils). Skipped, with the reason printed, when virt-xml-validate is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../test/helpers/fixtures.ts';
import { parseXml, type XmlElement } from '../formats/libvirt-xml.ts';
import { FIXTURE_CONFIGS, MDEV_UUID, VM_UUID } from './_test-configs.ts';
import { LIBVIRT_VIDEO_ALIAS, libvirtDomain, libvirtFragment } from './libvirt.ts';

function validate(file: string): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile('virt-xml-validate', [file, 'domain'], (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      resolve({ status, output: `${stdout}${stderr}` });
    });
  });
}

let available = false;
let temp: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  temp = await tempDir('vgpuctl-libvirt-');
  // Probe with a minimal valid domain: virt-xml-validate is a shell script that also needs
  // xmllint (libxml2-utils), and fails with 127 "xmllint: not found" only when it validates.
  const minimal = join(temp.dir, 'probe.xml');
  await writeFile(
    minimal,
    '<domain type="kvm"><name>probe</name><memory>1024</memory><os><type>hvm</type></os></domain>\n',
  );
  const probe = await validate(minimal);
  available = probe.status === 0;
  if (!available)
    console.log(
      `# skipping libvirt validation: virt-xml-validate cannot run here (${probe.output.trim() || `exit ${probe.status}`}); apt install libvirt-clients libxml2-utils`,
    );
});
after(() => temp.cleanup());

describe('virt-xml-validate accepts every domain vgpuctl emits', () => {
  for (const [fixture, config] of Object.entries(FIXTURE_CONFIGS)) {
    test(`${fixture}: the complete domain`, async (t) => {
      if (!available) return t.skip('virt-xml-validate is not installed');
      const file = join(temp.dir, `${fixture}.xml`);
      await writeFile(file, libvirtDomain(config));
      const run = await validate(file);
      assert.equal(run.status, 0, run.output);
    });

    test(`${fixture}: the fragment inside a minimal domain`, async (t) => {
      if (!available) return t.skip('virt-xml-validate is not installed');
      const file = join(temp.dir, `${fixture}-fragment.xml`);
      const domain = `<domain type="kvm"><name>x</name><memory>1048576</memory><os><type>hvm</type></os><devices>\n${libvirtFragment(config)}</devices></domain>\n`;
      await writeFile(file, domain);
      const run = await validate(file);
      assert.equal(run.status, 0, run.output);
    });
  }
});

describe('libvirtDomain() says what each mode needs', () => {
  const find = (root: XmlElement, path: string[]): XmlElement[] => {
    const [head, ...rest] = path;
    const matches = (root.children ?? []).filter((c) => c.name === head);
    return rest.length === 0 ? matches : matches.flatMap((m) => find(m, rest));
  };
  const domainOf = (fixture: string) =>
    parseXml(libvirtDomain(FIXTURE_CONFIGS[fixture] as (typeof FIXTURE_CONFIGS)[string]));

  test('the VM UUID NVIDIA needs is the domain UUID (libvirt passes it as -uuid)', () => {
    assert.equal(find(domainOf('mdev-nvidia'), ['uuid'])[0]?.text, VM_UUID);
  });

  test('an mdev vGPU: hostdev type mdev with display and ramfb on, its UUID, a VNC display and no emulated VGA', () => {
    const domain = domainOf('mdev-nvidia');
    const hostdev = find(domain, ['devices', 'hostdev'])[0];
    assert.deepEqual(hostdev?.attrs, {
      mode: 'subsystem',
      type: 'mdev',
      model: 'vfio-pci',
      display: 'on',
      ramfb: 'on',
    });
    assert.deepEqual(find(domain, ['devices', 'hostdev', 'source', 'address'])[0]?.attrs, { uuid: MDEV_UUID });
    assert.equal(find(domain, ['devices', 'graphics'])[0]?.attrs?.type, 'vnc');
    assert.equal(find(domain, ['devices', 'video', 'model'])[0]?.attrs?.type, 'none');
  });

  test('passthrough: both functions unmanaged, one guest slot, multifunction on function 0', () => {
    const hostdevs = find(domainOf('passthrough'), ['devices', 'hostdev']);
    assert.deepEqual(
      hostdevs.map((h) => [
        h.attrs?.managed,
        find(h, ['source', 'address'])[0]?.attrs?.function,
        find(h, ['address'])[0]?.attrs,
      ]),
      [
        [
          'no',
          '0x0',
          { type: 'pci', domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x0', multifunction: 'on' },
        ],
        ['no', '0x1', { type: 'pci', domain: '0x0000', bus: '0x01', slot: '0x00', function: '0x1' }],
      ],
    );
  });

  test('virgl: egl-headless on the render node, accel3d, and the host-memory budget through qemu:override', () => {
    const domain = domainOf('software-virgl');
    assert.deepEqual(find(domain, ['devices', 'graphics', 'gl'])[0]?.attrs, { rendernode: '/dev/dri/renderD128' });
    assert.deepEqual(find(domain, ['devices', 'video', 'model', 'acceleration'])[0]?.attrs, {
      accel3d: 'yes',
      rendernode: '/dev/dri/renderD128',
    });
    assert.equal(find(domain, ['qemu:override', 'qemu:device'])[0]?.attrs?.alias, LIBVIRT_VIDEO_ALIAS);
    assert.deepEqual(find(domain, ['qemu:override', 'qemu:device', 'qemu:frontend', 'qemu:property'])[0]?.attrs, {
      name: 'max_hostmem',
      type: 'unsigned',
      value: String(2048 * 1024 * 1024),
    });
  });

  test('2D: plain virtio video without acceleration', () => {
    const domain = domainOf('software-2d');
    assert.deepEqual(find(domain, ['devices', 'video', 'model'])[0]?.attrs, {
      type: 'virtio',
      heads: '1',
      primary: 'yes',
    });
    assert.deepEqual(find(domain, ['devices', 'video', 'model', 'acceleration']), []);
  });
});
