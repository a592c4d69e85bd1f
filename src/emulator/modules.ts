/**
 * Loaded modules as the kernel lists them (kernel/module/procfs.c m_show for /proc/modules,
 * kernel/module/sysfs.c for /sys/module/<name>): a module is loaded when its
 * /sys/module/<name>/initstate exists (built-in code has a /sys/module directory without
 * one). `lsmod` (kmod) reads /proc/modules and /sys/module/<name>/{coresize,refcnt,holders}.
 */
import type { Kernfs } from './kernfs/tree.ts';

interface ModuleFacts {
  /** Modules whose symbols it uses: each of them lists it in holders/ and "Used by". */
  deps: readonly string[];
  /**
   * Core size in bytes. These are typical x86_64 6.x sizes, page-rounded, shown by lsmod and
   * /proc/modules for realism only; nothing in vgpuctl or the tools it serves depends on them.
   */
  size: number;
  /** Taint flags /proc/modules prints: P proprietary, O out-of-tree, E unsigned. */
  taint?: string;
}

/** Known modules: their dependencies (modules.dep of a Debian 6.x kernel) and sizes. */
const FACTS: Record<string, ModuleFacts> = {
  irqbypass: { deps: [], size: 12288 },
  vfio: { deps: [], size: 69632 },
  vfio_iommu_type1: { deps: ['vfio'], size: 49152 },
  vfio_pci_core: { deps: ['vfio', 'irqbypass'], size: 94208 },
  vfio_pci: { deps: ['vfio_pci_core', 'vfio'], size: 16384 },
  mdev: { deps: [], size: 20480 },
  kvm: { deps: ['irqbypass'], size: 1409024 },
  kvm_intel: { deps: ['kvm'], size: 487424 },
  kvm_amd: { deps: ['kvm'], size: 204800 },
  nvidia: { deps: [], size: 56807424, taint: 'POE' },
  nvidia_vgpu_vfio: { deps: ['nvidia', 'mdev', 'vfio', 'kvm'], size: 57344, taint: 'POE' },
  i915: { deps: [], size: 4300800 },
  kvmgt: { deps: ['i915', 'kvm', 'mdev', 'vfio'], size: 45056 },
  snd_hda_intel: { deps: [], size: 61440 },
  mtty: { deps: ['mdev', 'vfio'], size: 24576 },
  mdpy: { deps: ['mdev', 'vfio'], size: 16384 },
  mbochs: { deps: ['mdev', 'vfio'], size: 24576 },
  fake_nvidia_vgpu: { deps: ['mdev', 'vfio'], size: 28672, taint: 'OE' },
  vgpu_nvidia: { deps: [], size: 16384, taint: 'OE' },
};

const DEFAULT_SIZE = 16384;

/** Names of the loaded modules, oldest first. */
function loadedModules(tree: Kernfs): string[] {
  const dir = tree.find('/sys/module');
  if (dir?.kind !== 'dir') return [];
  return [...dir.children.values()]
    .filter((node) => node.kind === 'dir' && node.children.has('initstate'))
    .map((node) => node.name);
}

/** The loaded modules that use `name` (its holders), among `loaded`. */
function holdersOf(name: string, loaded: readonly string[]): string[] {
  return loaded.filter((other) => FACTS[other]?.deps.includes(name) === true);
}

/** /proc/modules: newest first, `name size refcount deps, state address (taint)`. */
function procModules(tree: Kernfs): string {
  const loaded = loadedModules(tree);
  return [...loaded]
    .reverse()
    .map((name) => {
      const facts = FACTS[name];
      const holders = holdersOf(name, loaded);
      const used = holders.length === 0 ? '-' : `${holders.join(',')},`;
      // Addresses read as zero to readers without CAP_SYSLOG under kptr_restrict (m_show).
      const taint = facts?.taint === undefined ? '' : ` (${facts.taint})`;
      return `${name} ${facts?.size ?? DEFAULT_SIZE} ${holders.length} ${used} Live 0x0000000000000000${taint}\n`;
    })
    .join('');
}

/**
 * Completes every loaded module's /sys/module directory (coresize, refcnt, taint, holders/
 * links to the modules that use it) and loads the modules they depend on, as modprobe would
 * have; adds /proc/modules. Run once the boot has loaded its modules.
 */
export function publishModules(tree: Kernfs): void {
  for (const name of loadedModules(tree)) for (const dep of FACTS[name]?.deps ?? []) markLoaded(tree, dep);
  const loaded = loadedModules(tree);
  for (const name of loaded) {
    const base = `/sys/module/${name}`;
    const facts = FACTS[name];
    tree.attr(`${base}/coresize`, { mode: 0o444, show: () => `${facts?.size ?? DEFAULT_SIZE}\n` });
    tree.attr(`${base}/refcnt`, { mode: 0o444, show: () => `${holdersOf(name, loadedModules(tree)).length}\n` });
    tree.attr(`${base}/taint`, { mode: 0o444, show: () => `${facts?.taint ?? ''}\n` });
    tree.mkdir(`${base}/holders`);
    for (const holder of holdersOf(name, loaded)) tree.link(`${base}/holders/${holder}`, `/sys/module/${holder}`);
  }
  tree.attr('/proc/modules', { mode: 0o444, show: () => procModules(tree) });
}

/** Marks a module loaded (`initstate` reads `live`), its dependencies first. */
export function markLoaded(tree: Kernfs, name: string): void {
  if (tree.find(`/sys/module/${name}/initstate`) !== undefined) return;
  for (const dep of FACTS[name]?.deps ?? []) markLoaded(tree, dep);
  tree.mkdir(`/sys/module/${name}/holders`);
  tree.attr(`/sys/module/${name}/initstate`, { mode: 0o444, show: () => 'live\n' });
}
