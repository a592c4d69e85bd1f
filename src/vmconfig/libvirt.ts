/**
 * libvirt domain XML for a VM's GPU: the device elements alone (to paste into an existing
 * domain) or a complete minimal domain. Every emitted domain validates with
 * `virt-xml-validate <file> domain` (libvirt 9.0 schema; tested).
 */
import { el, renderXml, type XmlElement } from '../formats/libvirt-xml.ts';
import type { VmGpuConfig, VmGpuDevice } from './vm-gpu.ts';

const QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0';
/** User-defined aliases must start with `ua-` (libvirt formatdomain "Device aliases"). */
export const LIBVIRT_VIDEO_ALIAS = 'ua-vgpuctl-video0';

function hostAddress(address: string): XmlElement {
  const [domain, bus, slotFn] = address.split(':') as [string, string, string];
  const [slot, fn] = slotFn.split('.') as [string, string];
  return el('address', { domain: `0x${domain}`, bus: `0x${bus}`, slot: `0x${slot}`, function: `0x${fn}` });
}

const vnc = (): XmlElement =>
  el('graphics', { type: 'vnc', autoport: 'yes' }, [el('listen', { type: 'address', address: '127.0.0.1' })]);

/**
 * The device elements. With `guestSlot`, functions of a multi-function GPU get one guest
 * slot on pcie-root-port `index` (the complete domain declares that controller); without
 * it, libvirt places each function itself.
 */
function deviceElements(gpu: VmGpuDevice, guestSlot: { bus: number } | null): XmlElement[] {
  switch (gpu.kind) {
    case 'pci': {
      const multi = gpu.functions.length > 1 && guestSlot !== null;
      // managed='no': vgpuctl bound the functions to vfio-pci; libvirt must not rebind them.
      return gpu.functions.map((fn, i) =>
        el('hostdev', { mode: 'subsystem', type: 'pci', managed: 'no' }, [
          el('source', {}, [hostAddress(fn)]),
          ...(multi
            ? [
                el('address', {
                  type: 'pci',
                  domain: '0x0000',
                  bus: `0x${guestSlot.bus.toString(16).padStart(2, '0')}`,
                  slot: '0x00',
                  function: `0x${i}`,
                  ...(i === 0 ? { multifunction: 'on' } : {}),
                }),
              ]
            : []),
        ]),
      );
    }
    case 'mdev':
      return [
        el(
          'hostdev',
          {
            mode: 'subsystem',
            type: 'mdev',
            model: 'vfio-pci',
            display: gpu.display ? 'on' : 'off',
            ...(gpu.ramfb ? { ramfb: 'on' } : {}),
          },
          [el('source', {}, [el('address', { uuid: gpu.uuid })])],
        ),
        // libvirt refuses display='on' without a graphics device to show it on.
        ...(gpu.display ? [vnc()] : []),
      ];
    case 'virtio-gpu': {
      const accel =
        gpu.renderNode === null || gpu.api === '2d'
          ? []
          : [el('acceleration', { accel3d: 'yes', rendernode: gpu.renderNode })];
      return [
        ...(gpu.renderNode === null || gpu.api === '2d'
          ? [vnc()]
          : [el('graphics', { type: 'egl-headless' }, [el('gl', { rendernode: gpu.renderNode })]), vnc()]),
        el('video', {}, [
          el('model', { type: 'virtio', heads: gpu.heads, primary: 'yes' }, accel),
          el('alias', { name: LIBVIRT_VIDEO_ALIAS }),
        ]),
      ];
    }
  }
}

/**
 * The host-memory budget and venus are QEMU properties libvirt 9 does not model: set them
 * through the QEMU namespace's property override (libvirt 8.2+, `<qemu:override>`).
 */
function qemuOverride(gpu: VmGpuDevice): XmlElement | null {
  if (gpu.kind !== 'virtio-gpu') return null;
  const bytes = String(gpu.hostMemoryMiB * 1024 * 1024);
  const props =
    gpu.api === 'venus'
      ? [
          el('qemu:property', { name: 'blob', type: 'bool', value: 'true' }),
          el('qemu:property', { name: 'venus', type: 'bool', value: 'true' }),
          el('qemu:property', { name: 'hostmem', type: 'unsigned', value: bytes }),
        ]
      : [el('qemu:property', { name: 'max_hostmem', type: 'unsigned', value: bytes })];
  return el('qemu:override', {}, [el('qemu:device', { alias: LIBVIRT_VIDEO_ALIAS }, [el('qemu:frontend', {}, props)])]);
}

/** Only the device elements, one after another (not a single XML document). */
export function libvirtFragment(config: VmGpuConfig): string {
  return deviceElements(config.device, null).map(renderXml).join('');
}

/** A complete minimal domain: q35, the VM UUID, memory, vCPUs and the GPU. */
export function libvirtDomain(config: VmGpuConfig): string {
  const gpu = config.device;
  const needsPort = gpu.kind === 'pci' && gpu.functions.length > 1;
  const override = qemuOverride(gpu);
  const devices: XmlElement[] = [
    el('emulator', {}, '/usr/bin/qemu-system-x86_64'),
    ...(needsPort ? [el('controller', { type: 'pci', index: 1, model: 'pcie-root-port' })] : []),
    ...deviceElements(gpu, needsPort ? { bus: 1 } : null),
    // A vGPU with a display is the primary display; no emulated VGA next to it.
    ...(gpu.kind === 'mdev' && gpu.display ? [el('video', {}, [el('model', { type: 'none' })])] : []),
  ];
  const memoryBacking =
    gpu.kind === 'virtio-gpu' && gpu.api === 'venus'
      ? [el('memoryBacking', {}, [el('source', { type: 'memfd' }), el('access', { mode: 'shared' })])]
      : [];
  return renderXml(
    el('domain', { type: 'kvm', ...(override === null ? {} : { 'xmlns:qemu': QEMU_NS }) }, [
      el('name', {}, config.vmName),
      el('uuid', {}, config.vmUuid),
      el('description', {}, config.summary),
      el('memory', { unit: 'MiB' }, String(config.memoryMiB)),
      ...memoryBacking,
      el('vcpu', {}, String(config.vcpus)),
      el('os', {}, [el('type', { arch: 'x86_64', machine: 'q35' }, 'hvm')]),
      el('features', {}, [el('acpi')]),
      el('cpu', { mode: 'host-passthrough' }),
      el('devices', {}, devices),
      ...(override === null ? [] : [override]),
    ]),
  );
}

/** Caveats of the libvirt output. */
export function libvirtNotes(config: VmGpuConfig): string[] {
  const gpu = config.device;
  const notes: string[] = [];
  if (gpu.kind === 'pci' && gpu.functions.length > 1) {
    notes.push(
      'the fragment leaves guest addresses to libvirt; the domain keeps the functions in one multifunction slot',
    );
  }
  if (gpu.kind === 'virtio-gpu') {
    notes.push(
      `the fragment cannot carry <qemu:override>: the host-memory budget (${gpu.hostMemoryMiB} MiB) is in the domain only`,
    );
  }
  return notes;
}
