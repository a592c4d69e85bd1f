/**
 * vgpu_unlock-rs on the emulated host: its `[profile.nvidia-N]` overrides from
 * /etc/vgpu_unlock/profile_override.toml change the types the driver advertises (name,
 * description, instances per GPU, framebuffer size), as they do on a host where
 * nvidia-vgpud runs with the library preloaded. The emulated host applies a changed file at
 * once; a real host needs `systemctl restart nvidia-vgpud nvidia-vgpu-mgr`. A file that is
 * not valid TOML applies nothing. No driver is patched.
 */
import { applyOverrides, profileOverrides } from '../../../catalog/index.ts';
import { parseToml } from '../../../formats/toml.ts';
import type { Kernfs } from '../../kernfs/tree.ts';
import type { NvidiaVgpuType } from './vgpu-types.ts';

/** Where vgpu_unlock-rs reads its overrides by default. */
export const PROFILE_OVERRIDE_PATH = '/etc/vgpu_unlock/profile_override.toml';

/** Reads the override file's values, parsing again only when the file changed. */
export function overrideReader(tree: Kernfs): () => Record<string, unknown> | undefined {
  let lastData: Buffer | undefined;
  let lastValues: Record<string, unknown> | undefined;
  return () => {
    const node = tree.find(PROFILE_OVERRIDE_PATH);
    if (node?.kind !== 'file') return undefined;
    if (node.data !== lastData) {
      lastData = node.data;
      try {
        lastValues = parseToml(node.data.toString('utf8'));
      } catch {
        lastValues = undefined;
      }
    }
    return lastValues;
  };
}

/** A type with the profile overrides for its id applied. */
export function overriddenType(type: NvidiaVgpuType, values: Record<string, unknown>): NvidiaVgpuType {
  const effective = applyOverrides(type, profileOverrides(values, type.id));
  if (effective.changed.length === 0) return type;
  const { changed: _changed, ...fields } = effective;
  return { ...type, ...fields };
}
