import { runCommand } from '../fuse/mount-tools.ts';

/** Runs mount(8) (or umount(8)) asynchronously; throws with its stderr when it fails. */
export async function mountCommand(args: string[], what: string): Promise<void> {
  // Asynchronous on purpose: mount(8) stats paths inside our own FUSE mount, which this
  // process must stay free to answer (fuse-qemu-lspci-notes.md §1, the umount deadlock).
  const result = await runCommand(args[0] === 'umount' ? 'umount' : 'mount', args.slice(1));
  if (result.code !== 0) throw new Error(`${what} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
}
