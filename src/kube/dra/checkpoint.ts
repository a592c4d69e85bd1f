/**
 * The DRA driver's checkpoint: for each claim it prepares, the devices and exactly what it
 * did to the host for each. Written through the host port before the host is changed (state
 * `preparing`) and after (state `prepared`), so that a driver restarted after a crash finds
 * what it was doing, finishes or adopts it, and later releases exactly that. It lives in /run
 * (tmpfs), like the mdevs, VF types and bindings it describes, which do not survive a reboot.
 */
import { z } from 'zod';
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';

const CHECKPOINT_DIR = '/run/vgpuctl/kubelet-plugin';

const Action = z.discriminatedUnion('kind', [
  /** An mdev this driver creates with the slot's UUID (`created`: it did not exist before). */
  z.object({ kind: z.literal('mdev'), uuid: z.string(), parent: z.string(), typeId: z.string(), created: z.boolean() }),
  /** A vendor-VFIO VF whose `current_vgpu_type` this driver sets. */
  z.object({
    kind: z.literal('vendor-vfio'),
    vf: z.string(),
    pf: z.string(),
    typeId: z.number().int(),
    created: z.boolean(),
  }),
  /** An IOMMU group this driver binds to vfio-pci (`bound`: it was not on vfio-pci before). */
  z.object({
    kind: z.literal('passthrough'),
    address: z.string(),
    functions: z.array(z.string()),
    iommuGroup: z.number().int().nullable(),
    bound: z.boolean(),
  }),
  z.object({
    kind: z.literal('sriov'),
    vf: z.string(),
    pf: z.string(),
    iommuGroup: z.number().int().nullable(),
    bound: z.boolean(),
  }),
]);
export type PrepareAction = z.infer<typeof Action>;

const PreparedDevice = z.object({
  device: z.string(),
  pool: z.string(),
  requests: z.array(z.string()),
  action: Action,
  cdiDeviceIds: z.array(z.string()),
});
export type PreparedDevice = z.infer<typeof PreparedDevice>;

const ClaimEntry = z.object({
  namespace: z.string(),
  name: z.string(),
  state: z.enum(['preparing', 'prepared']),
  devices: z.array(PreparedDevice),
});
export type ClaimEntry = z.infer<typeof ClaimEntry>;

const CheckpointFile = z.object({
  schemaVersion: z.literal(1),
  driver: z.string(),
  claims: z.record(z.string(), ClaimEntry),
});
export type CheckpointFile = z.infer<typeof CheckpointFile>;

export class Checkpoint {
  private data: CheckpointFile;
  private readonly host: HostPort;
  readonly path: string;

  private constructor(host: HostPort, path: string, data: CheckpointFile) {
    this.host = host;
    this.path = path;
    this.data = data;
  }

  /** Loads the driver's checkpoint, or starts an empty one. */
  static async load(host: HostPort, driver: string, dir = CHECKPOINT_DIR): Promise<Checkpoint> {
    const path = `${dir}/${driver}.json`;
    let data: CheckpointFile = { schemaVersion: 1, driver, claims: {} };
    try {
      data = CheckpointFile.parse(JSON.parse(await host.readText(path)));
    } catch (error) {
      if (!isHostError(error, 'ENOENT')) throw error;
    }
    return new Checkpoint(host, path, data);
  }

  get claims(): Readonly<Record<string, ClaimEntry>> {
    return this.data.claims;
  }

  /** Device names this driver holds for claims (to keep publishing them). */
  preparedDevices(): Set<string> {
    return new Set(Object.values(this.data.claims).flatMap((c) => c.devices.map((d) => d.device)));
  }

  async set(uid: string, entry: ClaimEntry): Promise<void> {
    this.data.claims[uid] = entry;
    await this.save();
  }

  async remove(uid: string): Promise<void> {
    delete this.data.claims[uid];
    await this.save();
  }

  private async save(): Promise<void> {
    const dir = this.path.slice(0, this.path.lastIndexOf('/'));
    await this.host.mkdir(dir, { recursive: true });
    await this.host.writeFile(this.path, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
  }
}
