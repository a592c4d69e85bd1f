/**
 * KubeVirt YAML for a VM's GPU: the KubeVirt CR's `permittedHostDevices` entry and the
 * VirtualMachineInstance's `gpus` entry (anchors §7). Written by hand: the shape is small
 * and fixed, and strings are quoted with JSON syntax, which YAML reads as double-quoted.
 */
import type { VmGpuConfig } from './vm-gpu.ts';

/** Quotes a scalar unless it is plainly safe in YAML. */
export function yamlScalar(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

/** Two YAML documents: the KubeVirt CR excerpt, then the VMI excerpt. */
export function kubevirtYaml(config: VmGpuConfig): string {
  const gpu = config.device;
  const kv = config.kubevirt;
  const header = [`# vgpuctl: ${config.summary}`];
  if (kv === null || gpu.kind === 'virtio-gpu') {
    // KubeVirt has no virtio-gpu 3D model (kubevirt/kubevirt#9521): the closest is its own
    // 2D display device.
    return [
      ...header,
      '# KubeVirt cannot attach a virtio-gpu with 3D acceleration (kubevirt/kubevirt#9521);',
      "# the VM gets KubeVirt's emulated 2D display instead. No host device is needed.",
      'apiVersion: kubevirt.io/v1',
      'kind: VirtualMachineInstance',
      'metadata:',
      `  name: ${yamlScalar(config.vmName)}`,
      'spec:',
      '  domain:',
      '    devices:',
      '      autoattachGraphicsDevice: true',
      '',
    ].join('\n');
  }
  const permitted =
    kv.selector.kind === 'pci'
      ? [
          '      pciHostDevices:',
          `        - pciVendorSelector: ${JSON.stringify(kv.selector.pciVendorSelector)}`,
          `          resourceName: ${yamlScalar(kv.resourceName)}`,
        ]
      : [
          '      mediatedDevices:',
          `        - mdevNameSelector: ${JSON.stringify(kv.selector.mdevNameSelector)}`,
          `          resourceName: ${yamlScalar(kv.resourceName)}`,
        ];
  const display =
    gpu.kind === 'mdev'
      ? [
          '          virtualGPUOptions:',
          '            display:',
          `              enabled: ${gpu.display}`,
          '              ramFB:',
          `                enabled: ${gpu.ramfb}`,
        ]
      : [];
  return [
    ...header,
    '# 1. KubeVirt CR (kubectl edit kubevirt -n kubevirt): permit the device. Merge into the',
    '#    existing lists: a merge patch would replace them.',
    'apiVersion: kubevirt.io/v1',
    'kind: KubeVirt',
    'metadata:',
    '  name: kubevirt',
    '  namespace: kubevirt',
    'spec:',
    '  configuration:',
    '    developerConfiguration:',
    '      featureGates:',
    '        - GPU',
    '    permittedHostDevices:',
    ...permitted,
    // vgpuctl binds and creates the device; KubeVirt's own device plugin serves it.
    '          externalResourceProvider: false',
    '---',
    '# 2. VirtualMachineInstance: request the device.',
    'apiVersion: kubevirt.io/v1',
    'kind: VirtualMachineInstance',
    'metadata:',
    `  name: ${yamlScalar(config.vmName)}`,
    'spec:',
    '  domain:',
    '    devices:',
    '      gpus:',
    '        - name: gpu1',
    `          deviceName: ${yamlScalar(kv.resourceName)}`,
    ...display,
    '',
  ].join('\n');
}

/** Caveats of the KubeVirt output. */
export function kubevirtNotes(config: VmGpuConfig): string[] {
  const gpu = config.device;
  if (gpu.kind === 'pci' && gpu.functions.length > 1) {
    return ['KubeVirt attaches the GPU function only; the rest of its IOMMU group stays on vfio-pci, unattached'];
  }
  if (gpu.kind === 'mdev' && gpu.nvidiaVgpu) {
    return ['KubeVirt passes the VMI UUID to QEMU (-uuid) itself; set spec.domain.firmware.uuid to pin it'];
  }
  return [];
}
