/**
 * Plan steps that move one PCI function between drivers the kernel's way (kernel-semantics.md
 * §1.4, §2): `driver_override` names the driver, `<driver>/unbind` releases the device,
 * `drivers_probe` (or `<driver>/bind`) attaches it again. Each step carries the steps that
 * undo it from the state right after it ran, so the executor can roll back newest first.
 */
import type { Step } from '../../core/plan.ts';

const DEVICES = '/sys/bus/pci/devices';
const DRIVERS = '/sys/bus/pci/drivers';
/** How long to wait for a driver link or a VFIO node udev creates. */
export const VERIFY_TIMEOUT_MS = 5000;

/**
 * The value written to `driver_override`. A lone newline clears it: the store cuts at the
 * first newline and an empty name resets the override (drivers/base/driver.c
 * driver_set_override), while a zero-length write would not reach store() at all.
 */
function overrideValue(override: string | null): string {
  return override ?? '\n';
}

/** `echo <driver> > <dev>/driver_override`, undone by restoring `before`. */
export function setOverride(address: string, override: string | null, before: string | null, why: string): Step {
  return {
    kind: 'write',
    path: `${DEVICES}/${address}/driver_override`,
    value: overrideValue(override),
    why,
    undo: [overrideStep(address, before, `undo: restore the driver_override of ${address}`)],
  };
}

/**
 * `echo <BDF> > drivers/<driver>/unbind`. Undone by binding `driver` again, under the
 * override `overrideBefore` it was bound with: an override naming another driver would make
 * the bind fail with ENODEV (pci_match_device), and vfio-pci binds only through an override.
 */
export function unbindFrom(address: string, driver: string, overrideBefore: string | null, why: string): Step {
  return {
    kind: 'write',
    path: `${DRIVERS}/${driver}/unbind`,
    value: address,
    why,
    undo: [
      overrideStep(
        address,
        overrideBefore,
        `undo: restore the driver_override of ${address} so that ${driver} matches it`,
      ),
      {
        kind: 'write',
        path: `${DRIVERS}/${driver}/bind`,
        value: address,
        why: `undo: bind ${address} to ${driver} again`,
      },
    ],
  };
}

/**
 * `echo <BDF> > /sys/bus/pci/drivers_probe`: the kernel attaches the driver the override
 * names (or, without one, the best match). Undone by unbinding whatever it attached.
 */
export function probe(address: string, expected: string | null, why: string): Step {
  return {
    kind: 'write',
    path: '/sys/bus/pci/drivers_probe',
    value: address,
    why,
    undo: [
      {
        kind: 'write',
        path: expected === null ? `${DEVICES}/${address}/driver/unbind` : `${DRIVERS}/${expected}/unbind`,
        value: address,
        why: `undo: unbind ${address} from ${expected ?? 'the driver the probe attached'}`,
        // The probe may have attached nothing (its failure is what we are undoing).
        alreadyDone: ['ENODEV', 'ENOENT'],
      },
    ],
  };
}

/** `echo <BDF> > drivers/<driver>/bind`, undone by unbinding it. */
export function bindTo(address: string, driver: string, why: string): Step {
  return {
    kind: 'write',
    path: `${DRIVERS}/${driver}/bind`,
    value: address,
    why,
    undo: [
      {
        kind: 'write',
        path: `${DRIVERS}/${driver}/unbind`,
        value: address,
        why: `undo: unbind ${address} from ${driver}`,
      },
    ],
  };
}

/** Waits until `drivers/<driver>/<BDF>` exists: the driver really owns the device. */
export function verifyBound(address: string, driver: string): Step {
  return {
    kind: 'waitFor',
    path: `${DRIVERS}/${driver}/${address}`,
    timeoutMs: VERIFY_TIMEOUT_MS,
    why: `verify that ${driver} now owns ${address}`,
  };
}

function overrideStep(address: string, override: string | null, why: string): Step {
  return { kind: 'write', path: `${DEVICES}/${address}/driver_override`, value: overrideValue(override), why };
}
