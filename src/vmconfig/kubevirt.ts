/**
 * KubeVirt YAML for a VM's GPU: the KubeVirt CR's `permittedHostDevices` entry and the
 * VirtualMachineInstance's `gpus` entry (anchors §7), built as data and written by the `yaml`
 * library. Kubernetes reads manifests with YAML 1.1 rules (sigs.k8s.io/yaml over go-yaml),
 * other tools with YAML 1.2, so every string either schema would read as something else — a
 * VM named `123`, `1e3`, `yes`, `0x1f` — is double-quoted.
 */
import { Document, parse, Scalar, visit } from 'yaml';
import type { VmGpuConfig } from './vm-gpu.ts';

/** Two YAML documents: the KubeVirt CR excerpt, then the VMI excerpt. */
export function kubevirtYaml(config: VmGpuConfig): string {
  const gpu = config.device;
  const kv = config.kubevirt;
  const header = ` vgpuctl: ${config.summary}`;
  if (kv === null || gpu.kind === 'virtio-gpu') {
    // KubeVirt has no virtio-gpu 3D model (kubevirt/kubevirt#9521): the closest is its own
    // 2D display device.
    return yamlDocument(
      [
        header,
        ' KubeVirt cannot attach a virtio-gpu with 3D acceleration (kubevirt/kubevirt#9521);',
        " the VM gets KubeVirt's emulated 2D display instead. No host device is needed.",
      ],
      {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachineInstance',
        metadata: { name: config.vmName },
        spec: { domain: { devices: { autoattachGraphicsDevice: true } } },
      },
    );
  }
  // Selectors are always quoted, whatever they hold: they are matched as text, never as names.
  const permitted =
    kv.selector.kind === 'pci'
      ? {
          pciHostDevices: [
            {
              pciVendorSelector: quoted(kv.selector.pciVendorSelector),
              resourceName: kv.resourceName,
              // vgpuctl binds and creates the device; KubeVirt's own device plugin serves it.
              externalResourceProvider: false,
            },
          ],
        }
      : {
          mediatedDevices: [
            {
              mdevNameSelector: quoted(kv.selector.mdevNameSelector),
              resourceName: kv.resourceName,
              externalResourceProvider: false,
            },
          ],
        };
  const display =
    gpu.kind === 'mdev'
      ? { virtualGPUOptions: { display: { enabled: gpu.display, ramFB: { enabled: gpu.ramfb } } } }
      : {};
  const cr = yamlDocument(
    [
      header,
      ' 1. KubeVirt CR (kubectl edit kubevirt -n kubevirt): permit the device. Merge into the',
      '    existing lists: a merge patch would replace them.',
    ],
    {
      apiVersion: 'kubevirt.io/v1',
      kind: 'KubeVirt',
      metadata: { name: 'kubevirt', namespace: 'kubevirt' },
      spec: { configuration: { developerConfiguration: { featureGates: ['GPU'] }, permittedHostDevices: permitted } },
    },
  );
  const vmi = yamlDocument([' 2. VirtualMachineInstance: request the device.'], {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: { name: config.vmName },
    spec: { domain: { devices: { gpus: [{ name: 'gpu1', deviceName: kv.resourceName, ...display }] } } },
  });
  return `${cr}---\n${vmi}`;
}

/** One YAML document with comment lines above it. */
function yamlDocument(comments: string[], value: unknown): string {
  const doc = new Document(value);
  quoteAmbiguous(doc);
  // On the top-level map, not the document: a document comment is followed by a blank line.
  if (doc.contents !== null) doc.contents.commentBefore = comments.join('\n');
  return doc.toString({ lineWidth: 0 });
}

function quoted(value: string): Scalar<string> {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** Double-quotes every string scalar that YAML 1.1 or 1.2 would read back as anything else. */
function quoteAmbiguous(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || node.type === Scalar.QUOTE_DOUBLE) return;
      if (!readsBackAs(node.value, '1.1') || !readsBackAs(node.value, '1.2')) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

function readsBackAs(value: string, version: '1.1' | '1.2'): boolean {
  try {
    return parse(value, { version }) === value;
  } catch {
    // Not even a valid plain scalar: it needs quotes.
    return false;
  }
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
