/**
 * Which vGPUs vgpuctl's desired state created: only these may it remove. Kept as JSON in
 * `/var/lib/vgpuctl/owned.json` through the host port; a vGPU that mdevctl, libvirt or
 * KubeVirt created is never in it.
 */
import { z } from 'zod';
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';

const OWNERSHIP_FILE = '/var/lib/vgpuctl/owned.json';

const Ownership = z.object({
  version: z.literal(1),
  vgpus: z.record(z.string(), z.object({ gpu: z.string(), type: z.string(), since: z.string() })),
});
export type Ownership = z.infer<typeof Ownership>;

export async function readOwnership(host: HostPort): Promise<Ownership> {
  try {
    const parsed = Ownership.safeParse(JSON.parse(await host.readText(OWNERSHIP_FILE)));
    // A damaged record owns nothing: removing too little is safe, removing too much is not.
    return parsed.success ? parsed.data : { version: 1, vgpus: {} };
  } catch (error) {
    if (isHostError(error, 'ENOENT') || error instanceof SyntaxError) return { version: 1, vgpus: {} };
    throw error;
  }
}

export async function writeOwnership(host: HostPort, ownership: Ownership): Promise<void> {
  await host.mkdir('/var/lib/vgpuctl', { recursive: true });
  await host.writeFile(OWNERSHIP_FILE, `${JSON.stringify(ownership, null, 2)}\n`, { mode: 0o644 });
}
