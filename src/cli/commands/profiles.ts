/** `vgpuctl profiles [--gpu X]`: the NVIDIA vGPU profiles of the host's GPUs, from the catalog or vgpuConfig.xml. */
import { boardByName, NVIDIA_BOARDS } from '../../catalog/index.ts';
import { VgpuctlError } from '../../core/errors.ts';
import { clip, parsePciAddress } from '../../core/pci-address.ts';
import { discover } from '../../discovery/discover.ts';
import { parseVgpuConfigXml, type VgpuConfigType } from '../../formats/vgpu-config-xml.ts';
import type { HostPort } from '../../host/host-port.ts';
import { type GpuProfiles, hostProfiles } from '../../ops/profiles/host-profiles.ts';
import { looksLikePciAddress } from '../../ops/vgpu/resolve.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { renderProfiles } from '../render/profiles-text.ts';
import { readOverrideValues } from './override.ts';

/** Where NVIDIA's vGPU host driver installs its type table. */
export const VGPU_CONFIG_XML = '/usr/share/nvidia/vgpu/vgpuConfig.xml';

/** Runs `vgpuctl profiles`. */
export async function profilesCommand(
  context: CommandContext,
  options: { gpu?: string | undefined },
): Promise<CommandResult<GpuProfiles[]>> {
  const gpu = options.gpu?.trim();
  // A board name (T4, L40S) shows the catalog's table without asking the host.
  if (gpu !== undefined && !looksLikePciAddress(gpu)) {
    const board = boardByName(gpu);
    if (board === undefined) {
      throw new VgpuctlError('NOT_FOUND', `Cannot show vGPU profiles of "${clip(gpu, 40)}": no such GPU or board`, {
        hint: `Give a GPU's PCI address or a board: ${NVIDIA_BOARDS.map((b) => b.board).join(', ')}`,
      });
    }
    const data: GpuProfiles[] = [
      {
        gpu: board.board,
        name: board.marketingName,
        board: board.board,
        marketingName: board.marketingName,
        matchedBy: 'device-id',
        memory: board.memory,
        mechanism: board.mechanism,
        profiles: catalogOnly(board.board),
      },
    ];
    return { data, text: renderProfiles(data) };
  }
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  const vgpuConfig = await readVgpuConfig(context.host);
  const address = gpu === undefined ? undefined : parsePciAddress(gpu);
  const overrides = await readOverrideValues(context);
  const data = hostProfiles(inventory, { gpu: address, vgpuConfig, overrides });
  if (address !== undefined && data.length === 0) {
    throw new VgpuctlError(
      'DEVICE_NOT_FOUND',
      `Cannot show vGPU profiles of "${address}": it is not an NVIDIA GPU with known vGPU profiles`,
      { hint: 'Run "vgpuctl profiles" to see the GPUs that have profiles' },
    );
  }
  return { data, text: renderProfiles(data, vgpuConfig === undefined ? undefined : VGPU_CONFIG_XML) };
}

function catalogOnly(boardName: string): GpuProfiles['profiles'] {
  const board = boardByName(boardName);
  if (board === undefined) return [];
  // One synthetic GPU of the board, so the same code computes ECC and estimates.
  const deviceId = (board.deviceIds[0] ?? 0).toString(16).padStart(4, '0');
  const inventory = {
    schemaVersion: 1 as const,
    host: EMPTY_HOST,
    gpus: [{ ...SYNTHETIC_GPU, device: { id: deviceId, name: null } }],
    otherMdevParents: [],
  };
  return hostProfiles(inventory).flatMap((g) => g.profiles);
}

/** The host's vgpuConfig.xml, parsed; undefined when it has none. A malformed file is an error. */
async function readVgpuConfig(host: HostPort): Promise<VgpuConfigType[] | undefined> {
  if (!(await host.exists(VGPU_CONFIG_XML))) return undefined;
  try {
    return parseVgpuConfigXml(await host.readText(VGPU_CONFIG_XML));
  } catch (error) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot read "${VGPU_CONFIG_XML}": ${(error as Error).message}`, {
      hint: 'Reinstall the NVIDIA vGPU host driver, or remove the file to use the built-in catalog',
      cause: error,
    });
  }
}

const EMPTY_HOST = {
  source: 'catalog',
  kernelRelease: null,
  cmdline: null,
  cmdlineFlags: {},
  iommu: { enabled: false, driver: null, groups: 0 },
  vfio: { loaded: false, modules: [], container: false },
  mdev: { available: false, parents: 0 },
  kvm: { available: false },
  nvidiaSmi: false,
};

const SYNTHETIC_GPU = {
  address: 'catalog',
  name: 'catalog',
  vendor: { id: '10de', name: 'NVIDIA Corporation' },
  device: { id: '0000', name: null },
  subsystem: null,
  classCode: '0x030200',
  className: null,
  revision: null,
  driver: null,
  driverOverride: null,
  bootVga: false,
  numaNode: null,
  link: null,
  bars: [],
  vram: { totalMiB: null, physicalMiB: null, virtualMiB: null, source: 'unknown' as const },
  iommuGroup: null,
  sriov: null,
  mdev: null,
  mig: null,
  hostVgpuMode: null,
};
