/**
 * The platform around the GPUs that tools read besides PCI: the DMI identity
 * (drivers/firmware/dmi-id.c, /sys/devices/virtual/dmi/id) and the NUMA nodes
 * (drivers/base/node.c, /sys/devices/system/node). The DMI strings name the emulated host
 * as what it is; nothing pretends to be a real vendor's machine.
 */
import type { Kernfs } from './kernfs/tree.ts';

const DMI = '/sys/devices/virtual/dmi/id';

/** A cpulist/nodelist as the kernel prints ranges ("0-1", "0"). */
function rangeList(count: number): string {
  return count <= 1 ? '0\n' : `0-${count - 1}\n`;
}

export function addPlatform(tree: Kernfs, options: { scenario: string; numaNodes: number }): void {
  const strings: Record<string, string> = {
    sys_vendor: 'vgpuctl',
    product_name: `Emulated GPU host (${options.scenario})`,
    product_version: '1',
    board_vendor: 'vgpuctl',
    board_name: 'Emulated',
    bios_vendor: 'vgpuctl',
    bios_version: '1',
    chassis_vendor: 'vgpuctl',
    // SMBIOS chassis type 23: rack mount chassis.
    chassis_type: '23',
  };
  for (const [name, value] of Object.entries(strings))
    tree.attr(`${DMI}/${name}`, { mode: 0o444, show: () => `${value}\n` });
  // dmi-id.c: serials and UUIDs are readable by root only.
  tree.attr(`${DMI}/product_uuid`, { mode: 0o400, show: () => '00000000-0000-0000-0000-000000000000\n' });
  const modalias = `dmi:bvn${strings.bios_vendor}:bvr${strings.bios_version}:svn${strings.sys_vendor}:pn${strings.product_name}:`;
  tree.attr(`${DMI}/modalias`, { mode: 0o444, show: () => `${modalias.replace(/ /g, '')}\n` });
  tree.attr(`${DMI}/uevent`, {
    mode: 0o644,
    show: () => `MODALIAS=${modalias.replace(/ /g, '')}\n`,
    store: (d) => d.length,
  });
  tree.link(`${DMI}/subsystem`, '/sys/class/dmi');
  tree.link('/sys/class/dmi/id', DMI);

  const nodes = Math.max(1, options.numaNodes);
  const base = '/sys/devices/system/node';
  for (const name of ['possible', 'online', 'has_normal_memory', 'has_cpu'])
    tree.attr(`${base}/${name}`, { mode: 0o444, show: () => rangeList(nodes) });
  for (let node = 0; node < nodes; node++) tree.mkdir(`${base}/node${node}`);
}
