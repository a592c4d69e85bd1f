/**
 * The emulated kernel's log (the printk ring buffer, kernel/printk/printk.c), read through
 * /dev/kmsg in the format of Documentation/ABI/testing/dev-kmsg: one record per read(2),
 * `level,seq,usec,flags;text` with the device as ` SUBSYSTEM=` / ` DEVICE=` lines. The
 * messages are the ones the real code paths print (cited where they are made); times are
 * microseconds since this emulated kernel was booted.
 */
import type { Uevent } from './kernel-api.ts';

/** printk levels (include/linux/kern_levels.h). */
export const KERN = { err: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;

export interface LogRecord {
  level: number;
  seq: number;
  usec: number;
  text: string;
  /** dev_printk's device: subsystem and name (`pci`, `0000:01:00.0`). */
  device?: { subsystem: string; name: string };
}

/** The ring buffer of one emulated kernel. */
export class KernelLog {
  readonly records: LogRecord[] = [];
  private readonly bootedAt = performance.now();
  /** The driver bound to a device, for dev_printk's prefix (dev_driver_string). */
  driverOf: (subsystem: string, name: string) => string | undefined = () => undefined;

  /** printk(): appends one record. */
  printk(level: number, text: string): void {
    this.push(level, text, undefined);
  }

  /** dev_printk(): `<driver or subsystem> <device>: text`, tagged with the device. */
  devPrintk(level: number, prefix: string, device: { subsystem: string; name: string }, text: string): void {
    this.push(level, `${prefix} ${device.name}: ${text}`, device);
  }

  private push(level: number, text: string, device: LogRecord['device']): void {
    const usec = Math.floor((performance.now() - this.bootedAt) * 1000);
    const record: LogRecord = { level, seq: this.records.length, usec, text };
    if (device !== undefined) record.device = device;
    this.records.push(record);
  }

  /**
   * The lines the kernel prints for what a uevent announces: PCI enumeration
   * (drivers/pci/probe.c pci_setup_device), the driver core's bind and unbind (drivers/base/dd.c
   * driver_bound and __device_release_driver, pr_debug: shown as with dynamic debug on) and
   * mdev parent registration (drivers/vfio/mdev/mdev_core.c mdev_register_parent).
   */
  fromUevent(event: Uevent): void {
    const name = event.devpath.slice(event.devpath.lastIndexOf('/') + 1);
    const subsystem = event.env.SUBSYSTEM ?? '';
    const env = event.env;
    // Events re-sent through a `uevent` file print nothing (lib/kobject_uevent.c).
    if (env.SYNTH_UUID !== undefined) return;
    if (subsystem === 'pci' && event.action === 'add' && env.PCI_ID !== undefined) {
      const [vendor = '', device = ''] = env.PCI_ID.toLowerCase().split(':');
      const klass = Number.parseInt(env.PCI_CLASS ?? '0', 16);
      this.devPrintk(
        KERN.info,
        'pci',
        { subsystem, name },
        `[${vendor}:${device}] type 00 class 0x${klass.toString(16).padStart(6, '0')}`,
      );
    } else if (event.action === 'bind' && env.DRIVER !== undefined) {
      this.printk(KERN.debug, `bus: '${subsystem}': driver_bound: bound device ${name} to driver ${env.DRIVER}`);
    } else if (event.action === 'unbind' && env.DRIVER !== undefined) {
      this.printk(
        KERN.debug,
        `bus: '${subsystem}': __device_release_driver: unbound device ${name} from driver ${env.DRIVER}`,
      );
    } else if (event.action === 'change' && env.MDEV_STATE === 'registered') {
      // Printed from the parent driver's probe, so under that driver's name.
      const prefix = this.driverOf(subsystem, name) ?? subsystem;
      this.devPrintk(KERN.info, prefix, { subsystem, name }, 'MDEV: Registered');
    } else if (event.action === 'change' && env.MDEV_STATE === 'unregistered') {
      const prefix = this.driverOf(subsystem, name) ?? subsystem;
      this.devPrintk(KERN.info, prefix, { subsystem, name }, 'MDEV: Unregistering');
    }
  }
}

/** One record as a read(2) of /dev/kmsg returns it (kernel/printk/printk.c devkmsg_read). */
export function formatKmsgRecord(record: LogRecord): string {
  const text = record.text.replace(/[\\\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const device =
    record.device === undefined
      ? ''
      : ` SUBSYSTEM=${record.device.subsystem}\n DEVICE=+${record.device.subsystem}:${record.device.name}\n`;
  return `${record.level},${record.seq},${record.usec},-;${text}\n${device}`;
}

/** A /dev/kmsg reader from the oldest record on. */
export function kmsgReader(log: KernelLog): { peek(): Buffer | undefined; advance(): void } {
  let next = 0;
  return {
    peek: () => {
      const record = log.records[next];
      return record === undefined ? undefined : Buffer.from(formatKmsgRecord(record));
    },
    advance: () => {
      next++;
    },
  };
}

/**
 * A write to /dev/kmsg logs one message, its level taken from a leading `<N>` as printk does
 * (kernel/printk/printk.c devkmsg_write; userspace facility 1 unless given).
 */
export function kmsgWrite(log: KernelLog, data: Buffer): number {
  const text = data.toString('utf8').replace(/\n$/, '');
  const match = /^<(\d+)>/.exec(text);
  const prio = match === null ? 8 + KERN.info : Number(match[1]);
  log.printk(prio === (prio & 7) ? 8 + prio : prio, match === null ? text : text.slice(match[0].length));
  return data.length;
}
