/**
 * The DRA driver's node side: NodePrepareResources makes what each allocated device needs on
 * demand — an mdev with the slot's UUID, a VF's vGPU type, a whole IOMMU group on vfio-pci —
 * through the existing plans (executed with rollback), writes a CDI spec for the runtime and
 * answers its CDI device ids; NodeUnprepareResources releases exactly what was made. Every
 * step is checkpointed first, so repeated calls (the kubelet retries) and a restart after a
 * crash answer the same devices and leak nothing. Devices the driver did not prepare are
 * never touched. Calls are serialized: two claims never plan against the same reading.
 */
import { randomUUID } from 'node:crypto';
import { isVgpuctlError } from '../../core/errors.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import type { HostPort } from '../../host/host-port.ts';
import type { HostModel } from '../../model/host-model.ts';
import { executePlan } from '../../ops/execute-plan.ts';
import { readBindRecords } from '../../ops/passthrough/bind-record.ts';
import { planBind } from '../../ops/passthrough/plan-bind.ts';
import { planUnbind } from '../../ops/passthrough/plan-unbind.ts';
import { VGPU_DISCOVERY, type VgpuDeps } from '../../ops/vgpu/apply.ts';
import { createVgpus, removeVgpus } from '../../ops/vgpu/lifecycle.ts';
import type { LockOptions } from '../../store/lock.ts';
import type { ClusterApi } from '../api/cluster-api.ts';
import { type NodeDevice, type NodeOffer, nodeDevices } from '../node-devices.ts';
import { CdiSpecs, cdiDeviceId } from './cdi.ts';
import type { Checkpoint, PrepareAction, PreparedDevice } from './checkpoint.ts';

/** A claim as the kubelet names it. */
export interface ClaimRef {
  namespace: string;
  uid: string;
  name: string;
}

/** The answer for one claim (the wire's field names): its devices, or why it could not be prepared. */
export interface PrepareResult {
  devices: { request_names: string[]; pool_name: string; device_name: string; cdi_device_ids: string[] }[];
  error: string;
}

export interface DraDriverOptions {
  host: HostPort;
  /** The live host model; the driver refreshes it before planning and after changing the host. */
  model: HostModel;
  cluster: ClusterApi;
  checkpoint: Checkpoint;
  driver: string;
  nodeName: string;
  /** vGPU types to offer; all when empty. */
  types?: readonly string[];
  lock?: LockOptions;
  /** Called between changing the host and recording it (tests stop here to model a crash). */
  afterHostChange?: () => Promise<void>;
}

/** Malformed input: the whole call fails with INVALID_ARGUMENT and nothing changes. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

export class DraDriver {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cdi: CdiSpecs;
  private readonly options: DraDriverOptions;

  constructor(options: DraDriverOptions) {
    this.options = options;
    this.cdi = new CdiSpecs(options.host, options.driver);
  }

  /** What the node offers now, keeping the devices this driver holds for claims. */
  offer(inventory: Inventory = this.options.model.state.inventory): NodeOffer {
    return nodeDevices(inventory, {
      nodeName: this.options.nodeName,
      prepared: this.options.checkpoint.preparedDevices(),
      ...(this.options.types === undefined ? {} : { types: this.options.types }),
    });
  }

  async prepare(claims: readonly ClaimRef[]): Promise<Record<string, PrepareResult>> {
    checkClaims(claims);
    return this.serialized(async () => {
      const results: Record<string, PrepareResult> = {};
      for (const claim of claims) {
        try {
          results[claim.uid] = { devices: await this.prepareClaim(claim), error: '' };
        } catch (error) {
          results[claim.uid] = { devices: [], error: messageOf(error) };
        }
      }
      // The model follows the host's changes by itself; ask for a reading without waiting for it.
      void this.options.model.refresh();
      return results;
    });
  }

  async unprepare(claims: readonly ClaimRef[]): Promise<Record<string, { error: string }>> {
    checkClaims(claims);
    return this.serialized(async () => {
      const results: Record<string, { error: string }> = {};
      for (const claim of claims) {
        try {
          await this.unprepareClaim(claim.uid);
          results[claim.uid] = { error: '' };
        } catch (error) {
          results[claim.uid] = { error: messageOf(error) };
        }
      }
      // The model follows the host's changes by itself; ask for a reading without waiting for it.
      void this.options.model.refresh();
      return results;
    });
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async prepareClaim(ref: ClaimRef): Promise<PrepareResult['devices']> {
    const { checkpoint, driver, nodeName } = this.options;
    const known = checkpoint.claims[ref.uid];
    if (known?.state === 'prepared') return answer(known.devices);

    const claim = await this.options.cluster.readClaim(ref.namespace, ref.name);
    const what = `claim "${ref.namespace}/${ref.name}"`;
    if (claim === undefined) throw new Error(`Cannot prepare ${what}: no such ResourceClaim`);
    if (claim.uid !== ref.uid)
      throw new Error(`Cannot prepare ${what}: its UID is ${claim.uid}, the kubelet asked for ${ref.uid}`);
    const ours = claim.results.filter((r) => r.driver === driver);
    if (ours.length === 0) {
      const others = [...new Set(claim.results.map((r) => r.driver))];
      throw new Error(
        `Cannot prepare ${what}: it has no device of driver ${driver}${others.length === 0 ? ' (not allocated)' : ` (its devices belong to ${others.join(', ')})`}`,
      );
    }
    const foreignPool = ours.find((r) => r.pool !== nodeName);
    if (foreignPool !== undefined)
      throw new Error(
        `Cannot prepare ${what}: device ${foreignPool.device} is in pool ${foreignPool.pool}, not this node's (${nodeName})`,
      );

    let planned: PreparedDevice[];
    if (known !== undefined) {
      // A crash left this claim half-prepared: finish what the checkpoint says, with the same devices.
      planned = known.devices;
    } else {
      // The model's latest reading says what is offered; the plans below read the host afresh.
      const offer = this.offer();
      planned = ours.map((r) => {
        const device = offer.devices.find((d) => d.name === r.device);
        if (device === undefined)
          throw new Error(
            `Cannot prepare ${what}: this node offers no device ${r.device} (it is in use, hidden or gone)`,
          );
        const taken = Object.values(checkpoint.claims).find((c) => c.devices.some((d) => d.device === r.device));
        if (taken !== undefined)
          throw new Error(
            `Cannot prepare ${what}: device ${r.device} is prepared for claim ${taken.namespace}/${taken.name}`,
          );
        return {
          device: r.device,
          pool: r.pool,
          requests: ours.filter((o) => o.device === r.device).map((o) => o.request),
          action: intent(device),
          cdiDeviceIds: [cdiDeviceId(driver, ref.uid, r.device)],
        };
      });
      planned = planned.filter((p, i) => planned.findIndex((q) => q.device === p.device) === i);
      await checkpoint.set(ref.uid, { namespace: ref.namespace, name: ref.name, state: 'preparing', devices: planned });
    }

    const done: PreparedDevice[] = [];
    try {
      for (const device of planned) {
        const action = await this.act(device.action);
        done.push({ ...device, action });
        await checkpoint.set(ref.uid, {
          namespace: ref.namespace,
          name: ref.name,
          state: 'preparing',
          devices: planned.map((p) => done.find((d) => d.device === p.device) ?? p),
        });
        await this.options.afterHostChange?.();
      }
      await this.cdi.write(ref.uid, await Promise.all(done.map((d) => this.cdi.device(ref.uid, d))));
    } catch (error) {
      for (const device of [...done].reverse()) await this.release(device.action).catch(() => undefined);
      await checkpoint.remove(ref.uid);
      throw error;
    }
    await checkpoint.set(ref.uid, { namespace: ref.namespace, name: ref.name, state: 'prepared', devices: done });
    return answer(done);
  }

  private async unprepareClaim(uid: string): Promise<void> {
    const entry = this.options.checkpoint.claims[uid];
    if (entry === undefined) return; // never prepared here, or already released
    for (const device of [...entry.devices].reverse()) await this.release(device.action);
    await this.cdi.remove(uid);
    await this.options.checkpoint.remove(uid);
  }

  /** Makes the device exist; returns the action with what it actually did. */
  private async act(action: PrepareAction): Promise<PrepareAction> {
    const { host } = this.options;
    switch (action.kind) {
      case 'mdev': {
        if (await host.exists(`/sys/bus/mdev/devices/${action.uuid}`)) return { ...action, created: true };
        await createVgpus(this.deps(), { type: action.typeId, gpu: action.parent, uuids: [action.uuid] }, randomUUID);
        return { ...action, created: true };
      }
      case 'vendor-vfio': {
        const current = (await host.readText(`/sys/bus/pci/devices/${action.vf}/nvidia/current_vgpu_type`)).trim();
        if (current === String(action.typeId)) return { ...action, created: true };
        if (current !== '0') throw new Error(`Cannot prepare VF ${action.vf}: it already runs vGPU type ${current}`);
        await createVgpus(this.deps(), { type: `nvidia-${action.typeId}`, gpu: action.vf }, randomUUID);
        return { ...action, created: true };
      }
      case 'passthrough':
      case 'sriov': {
        const address = action.kind === 'passthrough' ? action.address : action.vf;
        const inventory = await discover(host);
        try {
          await executePlan(host, planBind(inventory, { address }), { sleep: tick });
        } catch (error) {
          // Already on vfio-pci (nothing to do) is not an error; a retried prepare keeps its bound flag.
          if (!(isVgpuctlError(error) && /already/.test(error.message))) throw error;
        }
        const records = await readBindRecords(host, address);
        return { ...action, bound: action.bound || (records?.length ?? 0) > 0 };
      }
    }
  }

  /** Undoes exactly what {@link act} recorded. */
  private async release(action: PrepareAction): Promise<void> {
    const { host } = this.options;
    switch (action.kind) {
      case 'mdev':
        if (action.created && (await host.exists(`/sys/bus/mdev/devices/${action.uuid}`)))
          await removeVgpus(this.deps(), [action.uuid]);
        return;
      case 'vendor-vfio': {
        const current = (await host.readText(`/sys/bus/pci/devices/${action.vf}/nvidia/current_vgpu_type`)).trim();
        if (action.created && current === String(action.typeId)) await removeVgpus(this.deps(), [action.vf]);
        return;
      }
      case 'passthrough':
      case 'sriov': {
        if (!action.bound) return;
        const address = action.kind === 'passthrough' ? action.address : action.vf;
        const records = await readBindRecords(host, address);
        const plan = planUnbind(await discover(host), { address, records });
        if (plan.steps.length > 0) await executePlan(host, plan, { sleep: tick });
        return;
      }
    }
  }

  private deps(): VgpuDeps {
    const { host } = this.options;
    return {
      host,
      discover: () => discover(host, VGPU_DISCOVERY),
      lock: this.options.lock ?? { pid: process.pid, isAlive: () => true },
      dryRun: false,
    };
  }
}

/** What preparing a device will do, before it is done. */
function intent(device: NodeDevice): PrepareAction {
  const t = device.target;
  switch (t.kind) {
    case 'mdev':
      return { kind: 'mdev', uuid: t.uuid, parent: t.parent, typeId: t.typeId, created: false };
    case 'vendor-vfio':
      return { kind: 'vendor-vfio', vf: t.vf, pf: t.pf, typeId: t.typeId, created: false };
    case 'passthrough':
      return {
        kind: 'passthrough',
        address: t.address,
        functions: t.functions,
        iommuGroup: t.iommuGroup,
        bound: false,
      };
    case 'sriov':
      return { kind: 'sriov', vf: t.vf, pf: t.pf, iommuGroup: device.iommuGroup, bound: false };
  }
}

function answer(devices: readonly PreparedDevice[]): PrepareResult['devices'] {
  return devices.map((d) => ({
    request_names: d.requests,
    pool_name: d.pool,
    device_name: d.device,
    cdi_device_ids: d.cdiDeviceIds,
  }));
}

const UID = /^[0-9a-zA-Z-]{1,128}$/;

function checkClaims(claims: readonly ClaimRef[]): void {
  if (claims.length === 0) throw new InvalidRequestError('Cannot handle the request: it names no claims');
  for (const [i, c] of claims.entries()) {
    for (const field of ['namespace', 'uid', 'name'] as const) {
      if (c[field] === '') throw new InvalidRequestError(`Cannot handle claim ${i}: its ${field} is empty`);
    }
    if (!UID.test(c.uid)) throw new InvalidRequestError(`Cannot handle claim ${i}: "${c.uid}" is not a UID`);
  }
  const uids = claims.map((c) => c.uid);
  const twice = uids.find((u, i) => uids.indexOf(u) !== i);
  if (twice !== undefined) throw new InvalidRequestError(`Cannot handle the request: claim ${twice} is named twice`);
}

function messageOf(error: unknown): string {
  if (isVgpuctlError(error)) return error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
  return error instanceof Error ? error.message : String(error);
}

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 5)));
