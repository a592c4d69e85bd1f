import { execFileSync } from 'node:child_process';
import { fuseAvailable } from '../fuse/mount-tools.ts';

/** Why `vgpuctl emulate run` cannot work here (no FUSE, no unshare), or undefined when it can. */
export function sandboxUnavailable(): string | undefined {
  const fuse = fuseAvailable();
  if (!fuse.ok) return `needs FUSE: ${fuse.reason}`;
  return toolMissing('unshare');
}

/** A skip reason when `tool` is not on PATH. */
export function toolMissing(tool: string): string | undefined {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `needs ${tool} (Debian package: ${tool === 'lspci' ? 'pciutils' : tool === 'unshare' ? 'util-linux' : tool})`;
  }
}
