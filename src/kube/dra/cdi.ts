/**
 * CDI specs for prepared claims (Container Device Interface, cncf-tags/container-device-interface
 * SPEC.md): one spec file per claim in /run/cdi, through the host port, naming the VFIO nodes
 * the VM process opens and environment variables that say which device it got. The kubelet
 * passes the CDI device ids the driver answers to the runtime, which applies these edits.
 */
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';
import type { PreparedDevice } from './checkpoint.ts';

export const CDI_DIR = '/run/cdi';
const CDI_VERSION = '0.6.0';

/** The CDI kind of the driver's devices: `<driver>/vgpu`. */
function cdiKind(driver: string): string {
  return `${driver}/vgpu`;
}

/** `<driver>/vgpu=<claim uid>-<device>`: unique per claim, so two claims never share an entry. */
export function cdiDeviceId(driver: string, claimUid: string, device: string): string {
  return `${cdiKind(driver)}=${claimUid}-${device}`;
}

interface CdiDevice {
  name: string;
  containerEdits: { env: string[]; deviceNodes: { path: string; permissions?: string }[] };
}

export class CdiSpecs {
  private readonly host: HostPort;
  private readonly driver: string;

  constructor(host: HostPort, driver: string) {
    this.host = host;
    this.driver = driver;
  }

  path(claimUid: string): string {
    return `${CDI_DIR}/${this.driver.replace(/[^A-Za-z0-9_.-]/g, '_')}-${claimUid}.json`;
  }

  /** The spec entry of one prepared device, with the VFIO group it ended up in. */
  async device(claimUid: string, prepared: PreparedDevice): Promise<CdiDevice> {
    const a = prepared.action;
    const env: string[] = [`VGPUCTL_DEVICE=${prepared.device}`];
    let group: number | null = null;
    switch (a.kind) {
      case 'mdev':
        env.push(`VGPUCTL_MDEV_UUID=${a.uuid}`);
        group = await this.groupOf(`/sys/bus/mdev/devices/${a.uuid}`);
        break;
      case 'vendor-vfio':
        env.push(`VGPUCTL_PCI_BUS_ID=${a.vf}`);
        group = await this.groupOf(`/sys/bus/pci/devices/${a.vf}`);
        break;
      case 'passthrough':
        env.push(`VGPUCTL_PCI_BUS_ID=${a.address}`, `VGPUCTL_GROUP_FUNCTIONS=${a.functions.join(',')}`);
        group = a.iommuGroup;
        break;
      case 'sriov':
        env.push(`VGPUCTL_PCI_BUS_ID=${a.vf}`);
        group = a.iommuGroup;
        break;
    }
    const deviceNodes = [{ path: '/dev/vfio/vfio', permissions: 'rw' }];
    if (group !== null) deviceNodes.push({ path: `/dev/vfio/${group}`, permissions: 'rw' });
    return { name: `${claimUid}-${prepared.device}`, containerEdits: { env, deviceNodes } };
  }

  async write(claimUid: string, devices: CdiDevice[]): Promise<void> {
    await this.host.mkdir(CDI_DIR, { recursive: true });
    const spec = { cdiVersion: CDI_VERSION, kind: cdiKind(this.driver), devices };
    await this.host.writeFile(this.path(claimUid), `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o644 });
  }

  async remove(claimUid: string): Promise<void> {
    try {
      await this.host.remove(this.path(claimUid));
    } catch (error) {
      if (!isHostError(error, 'ENOENT')) throw error;
    }
  }

  private async groupOf(device: string): Promise<number | null> {
    try {
      const link = await this.host.readlink(`${device}/iommu_group`);
      const id = Number.parseInt(link.slice(link.lastIndexOf('/') + 1), 10);
      return Number.isNaN(id) ? null : id;
    } catch (error) {
      if (isHostError(error, 'ENOENT')) return null;
      throw error;
    }
  }
}
