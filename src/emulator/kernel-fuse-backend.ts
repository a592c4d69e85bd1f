import type { FuseBackend } from './fuse/backend.ts';
import { treeBackend } from './fuse/backend.ts';
import type { EmulatedKernel } from './kernel.ts';

/**
 * The FUSE backend of an emulated kernel: attribute writes go through the kernel, so they
 * are journaled for persistence and subject to injected faults exactly like writes made
 * through the host port; everything else is the plain tree backend.
 */
export function kernelFuseBackend(kernel: EmulatedKernel): FuseBackend {
  const base = treeBackend(kernel.tree);
  return {
    ...base,
    write(node, data, ctx, offset = 0) {
      if (node.kind === 'attr') return kernel.write(kernel.tree.pathOf(node), data, ctx, offset);
      return base.write(node, data, ctx, offset);
    },
  };
}
