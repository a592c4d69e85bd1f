/**
 * QEMU command-line arguments for a VM's GPU (QEMU 7.2 property names, checked against
 * `-device <driver>,help`; venus needs QEMU 9.2). Host functions sit on their own
 * pcie-root-port so a GPU and its audio function keep one guest slot, as on the host.
 */
import { shellQuote } from '../core/plan.ts';
import { needsVmUuid, type VmGpuConfig, type VmGpuDevice } from './vm-gpu.ts';

/** The id of the (first) guest device, for QMP (`query-pci` shows it as `qdev_id`). */
export const QEMU_DEVICE_ID = 'vgpuctl-gpu0';
const PORT_ID = 'vgpuctl-port0';
// pcie_chassis_add_slot() refuses duplicate (chassis, slot) pairs; a high chassis number
// keeps clear of the 1, 2, 3… that libvirt and hand-written command lines use.
const CHASSIS = 240;

/** `-device` property list: `driver,key=value,…`. */
function device(driver: string, props: readonly (readonly [string, string | number])[]): string {
  return [driver, ...props.map(([k, v]) => `${k}=${v}`)].join(',');
}

const rootPort = (): string[] => [
  '-device',
  device('pcie-root-port', [
    ['id', PORT_ID],
    ['chassis', CHASSIS],
  ]),
];

/** The device-related arguments only: what a script appends to its own command line. */
export function qemuDeviceArgs(config: VmGpuConfig): string[] {
  const uuid = needsVmUuid(config.device) ? ['-uuid', config.vmUuid] : [];
  return [...uuid, ...deviceArgs(config.device, config.memoryMiB)];
}

function deviceArgs(gpu: VmGpuDevice, memoryMiB: number): string[] {
  switch (gpu.kind) {
    case 'pci': {
      const multi = gpu.functions.length > 1;
      return [
        ...rootPort(),
        ...gpu.functions.flatMap((fn, i) => [
          '-device',
          device('vfio-pci', [
            ['host', fn],
            ['id', i === 0 ? QEMU_DEVICE_ID : `${QEMU_DEVICE_ID}-fn${i}`],
            ['bus', PORT_ID],
            ...(multi ? ([['addr', `00.${i}`]] as const) : []),
            ...(multi && i === 0 ? ([['multifunction', 'on']] as const) : []),
          ]),
        ]),
      ];
    }
    case 'mdev':
      // ramfb is a property of vfio-pci-nohotplug only (hw/vfio/pci.c): a boot display that
      // cannot be hot-unplugged. libvirt makes the same choice for <hostdev ramfb='on'>.
      return [
        ...rootPort(),
        '-device',
        device(gpu.ramfb ? 'vfio-pci-nohotplug' : 'vfio-pci', [
          ['sysfsdev', `/sys/bus/mdev/devices/${gpu.uuid}`],
          ['display', gpu.display ? 'on' : 'off'],
          ...(gpu.ramfb ? ([['ramfb', 'on']] as const) : []),
          ['id', QEMU_DEVICE_ID],
          ['bus', PORT_ID],
        ]),
      ];
    case 'virtio-gpu': {
      const heads = gpu.heads > 1 ? ([['max_outputs', gpu.heads]] as const) : [];
      const mem = `${gpu.hostMemoryMiB}M`;
      switch (gpu.api) {
        case '2d':
          // max_hostmem bounds the guest's resources in host memory (virtio-gpu-base.c).
          return ['-device', device('virtio-vga', [['max_hostmem', mem], ...heads, ['id', QEMU_DEVICE_ID]])];
        case 'virgl':
          return [
            '-device',
            device('virtio-vga-gl', [['max_hostmem', mem], ...heads, ['id', QEMU_DEVICE_ID]]),
            '-display',
            `egl-headless,rendernode=${gpu.renderNode ?? ''}`,
          ];
        case 'venus':
          // Venus maps host Vulkan memory into the guest through the hostmem BAR (blob
          // resources); guest RAM must be a shareable memfd for udmabuf (QEMU docs/system/devices/virtio-gpu.rst).
          return [
            '-object',
            `memory-backend-memfd,id=vgpuctl-ram,size=${memoryMiB}M,share=on`,
            '-machine',
            'memory-backend=vgpuctl-ram',
            '-device',
            device('virtio-vga-gl', [
              ['blob', 'true'],
              ['venus', 'true'],
              ['hostmem', mem],
              ...heads,
              ['id', QEMU_DEVICE_ID],
            ]),
            '-display',
            `egl-headless,rendernode=${gpu.renderNode ?? ''}`,
          ];
      }
    }
  }
}

/** Options of {@link qemuFullArgs}. */
export interface QemuFullOptions {
  /** The emulator binary (default `qemu-system-x86_64`). */
  binary?: string;
  /** `kvm` (default) or `tcg` (tests, hosts without /dev/kvm). */
  accel?: 'kvm' | 'tcg';
}

/** A complete command line: machine, CPU, memory, the VM UUID, a display, then the GPU. */
export function qemuFullArgs(config: VmGpuConfig, options: QemuFullOptions = {}): string[] {
  const accel = options.accel ?? 'kvm';
  const gpu = config.device;
  const hasDisplay = gpu.kind === 'virtio-gpu' || (gpu.kind === 'mdev' && gpu.display);
  return [
    options.binary ?? 'qemu-system-x86_64',
    '-name',
    config.vmName,
    // libvirt always passes -uuid; NVIDIA's vGPU manager needs it (anchors §0).
    '-uuid',
    config.vmUuid,
    '-machine',
    `q35,accel=${accel}`,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(config.memoryMiB),
    '-smp',
    String(config.vcpus),
    '-nodefaults',
    // A passed-through GPU drives its own outputs; the others are seen through VNC.
    ...(hasDisplay ? ['-vnc', '127.0.0.1:0'] : ['-display', 'none']),
    ...deviceArgs(gpu, config.memoryMiB),
  ];
}

/** Joins words into one shell line, quoting each where the shell needs it. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Caveats a person running the arguments should know. */
export function qemuNotes(config: VmGpuConfig): string[] {
  const gpu = config.device;
  const notes: string[] = [];
  if (gpu.kind === 'virtio-gpu' && gpu.api !== '2d') {
    notes.push(`virtio-vga-gl needs a QEMU built with OpenGL and access to ${gpu.renderNode ?? 'a render node'}`);
  }
  if (gpu.kind === 'virtio-gpu' && gpu.api === 'venus') {
    notes.push('venus needs QEMU 9.2 or later (virtio-gpu-gl properties venus, hostmem) and virglrenderer 1.0');
    notes.push(`the memory backend size must equal -m (${config.memoryMiB} MiB here)`);
  }
  if (gpu.kind === 'mdev' && gpu.display && !gpu.nvidiaVgpu) {
    notes.push('a dmabuf display (Intel GVT-g, mbochs) needs an OpenGL display: -display egl-headless or gtk,gl=on');
  }
  if (gpu.kind === 'pci' && gpu.functions.length > 1) {
    notes.push('every function of the IOMMU group is assigned: the guest sees them as one multifunction device');
  }
  return notes;
}
