/**
 * Planning persistent definitions: `define` (new vGPUs, or running ones made persistent),
 * `undefine` and `modify`. mdev definitions are mdevctl's files, byte for byte; vendor-VFIO
 * definitions are vgpuctl's. Every file is written atomically by the host port.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { Plan, Step } from '../../core/plan.ts';
import { parseUuid } from '../../core/uuid.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import {
  type Definition,
  type Definitions,
  definitionsOf,
  type VendorVfioDefinition,
} from '../../store/definitions.ts';
import { formatMdevctlConfig, isAttrName, type StartMode } from '../../store/mdevctl-format.ts';
import { checkPathName, mdevDefinitionPath, vendorDefinitionPath } from '../../store/paths.ts';
import { formatVendorVfioConfig } from '../../store/vendor-vfio-format.ts';
import { listVgpuTypes } from './list-types.ts';
import { parseNvidiaTypeName } from './nvidia-type-name.ts';
import type { Reservations } from './placement.ts';
import {
  type CreatedMdev,
  type CreatedVendorVfio,
  type CreateVgpusRequest,
  checkNewUuids,
  planCreateVgpus,
  resolveCount,
} from './plan-create.ts';
import { countedIds, formatMiB, parentName, parseVgpuIds, typeMatches, vgpuIdText } from './resolve.ts';
import { mdevCreateSteps, vendorCreateSteps } from './steps.ts';
import { liveFramebufferSizes, vgpuHosts } from './vgpu-hosts.ts';

/** What to define. */
export interface DefineVgpusRequest extends CreateVgpusRequest {
  /** `auto`: started at boot by `vgpuctl start --all-auto` (and by mdevctl's udev rule). Default manual. */
  start?: StartMode;
  /** mdev attributes written after creation, in order. */
  attrs?: [string, string][];
  /** Define on an mdev parent that is absent now, with a type id that cannot be checked (needs gpu and a type id). */
  force?: boolean;
  /** Start the new vGPUs too, in the same plan (a failure undoes the definitions as well). */
  startNow?: boolean;
}

/** A definition a plan writes. */
export type DefinedVgpu =
  | { kind: 'mdev'; uuid: string; parent: string; type: string; start: StartMode; path: string }
  | VendorVfioDefinition;

/**
 * Plans definitions of new vGPUs. Placement is that of `create`, less the capacity that
 * stopped definitions already claim, so that defining more than fits is refused now rather
 * than failing at the next boot.
 */
export function planDefineVgpus(
  inventory: Inventory,
  definitions: Definitions,
  request: DefineVgpusRequest,
  options: { newUuid?: () => string } = {},
): { plan: Plan; defined: DefinedVgpu[] } {
  const start = request.start ?? 'manual';
  const attrs = checkAttrs(request.attrs ?? []);
  if (request.force === true) return planForcedDefine(inventory, definitions, request, start, attrs, options);

  // Without --start, a definition is judged against the other definitions (they start
  // together at boot); with --start it must also fit beside what runs now.
  const atBoot = request.startNow !== true;
  const { created } = planCreateVgpus(inventory, request, {
    ...(options.newUuid === undefined ? {} : { newUuid: options.newUuid }),
    definitions,
    verb: 'define',
    reservations: reservationsOf(inventory, definitions, { includeRunning: atBoot }),
    atBoot,
  });
  const steps: Step[] = [];
  const defined: DefinedVgpu[] = [];
  const starts: Step[] = [];
  if (created[0]?.kind === 'vendor-vfio') {
    if (attrs.length > 0) throw noAttrs();
    const names = new Map(listVgpuTypes(inventory).map((t) => [`${t.gpu}/${t.nvidiaTypeId}`, t.name]));
    for (const c of created as CreatedVendorVfio[]) {
      const typeName = names.get(`${c.pf}/${c.typeId}`) ?? null;
      const path = vendorDefinitionPath(c.pf, c.vf);
      defined.push({ kind: 'vendor-vfio', vf: c.vf, pf: c.pf, typeId: c.typeId, typeName, start, path });
      if (request.startNow === true) starts.push(...vendorCreateSteps(c.vf, c.typeId, typeName));
    }
  } else {
    for (const c of created as CreatedMdev[]) {
      const path = mdevDefinitionPath(c.parent, c.uuid);
      defined.push({ kind: 'mdev', uuid: c.uuid, parent: c.parent, type: c.type, start, path });
      if (request.startNow === true) starts.push(...mdevCreateSteps(c.parent, c.type, c.uuid, attrs));
    }
  }
  steps.push(...definitionSteps(defined, attrs), ...starts);
  const verb = request.startNow === true ? 'define and start' : 'define';
  const notes = atBoot ? cannotStartNow(inventory, defined) : [];
  return {
    plan: { action: `${verb} ${countedIds(defined.map(idOf))}`, steps, ...(notes.length > 0 ? { notes } : {}) },
    defined,
  };
}

/** Says when new mdev definitions cannot start beside the vGPUs of another size running now. */
function cannotStartNow(inventory: Inventory, defined: DefinedVgpu[]): string[] {
  const notes: string[] = [];
  for (const host of vgpuHosts(inventory)) {
    if (!host.nvidia) continue;
    const mine = defined.filter((d) => d.kind === 'mdev' && host.parents.some((p) => p.name === d.parent));
    const first = mine[0];
    if (first === undefined || first.kind !== 'mdev') continue;
    const size = host.parents.flatMap((p) => p.types).find((t) => t.id === first.type)?.framebufferMiB ?? null;
    const other = liveFramebufferSizes(host).filter((fb) => size !== null && fb !== size);
    if (other.length === 0) continue;
    notes.push(
      `${host.gpu} runs ${other.map(formatMiB).join(' and ')} vGPUs now: the new definition${mine.length === 1 ? '' : 's'} (${formatMiB(size ?? 0)}) can start once they are removed, or at the next boot ("vgpuctl start --all-auto")`,
    );
  }
  return notes;
}

/** Plans definitions of running vGPUs, as they run (mdevctl `define -u UUID`). */
export function planDefineRunning(
  inventory: Inventory,
  definitions: Definitions,
  request: { ids: string[]; start?: StartMode },
): { plan: Plan; defined: DefinedVgpu[] } {
  const start = request.start ?? 'manual';
  const ids = parseVgpuIds(request.ids, 'define vGPUs');
  const hosts = vgpuHosts(inventory);
  const defined: DefinedVgpu[] = [];
  for (const id of ids) {
    const text = vgpuIdText(id);
    const host = hosts.find((h) => h.live.some((v) => v.id === text));
    const live = host?.live.find((v) => v.id === text);
    if (host === undefined || live === undefined || live.typeId === null) {
      throw new VgpuctlError(
        'DEVICE_NOT_FOUND',
        `Cannot define vGPU "${text}": no running vGPU has this ${id.kind === 'mdev' ? 'UUID' : 'address'}`,
        {
          hint: 'Give --type (and --gpu) to define a new vGPU; "vgpuctl vgpus" lists the running ones',
        },
      );
    }
    const existing = definitionsOf(definitions, text);
    if (existing.found.length > 0 || existing.problems.length > 0) {
      const where = existing.found[0]?.path ?? existing.problems[0]?.path;
      throw new VgpuctlError('CONFLICT', `Cannot define vGPU "${text}": it is already defined (${where})`, {
        hint: `Change it with "vgpuctl modify ${text}", or undefine it first`,
      });
    }
    if (id.kind === 'mdev') {
      defined.push({
        kind: 'mdev',
        uuid: text,
        parent: live.parent,
        type: live.typeId,
        start,
        path: mdevDefinitionPath(live.parent, text),
      });
    } else {
      const typeId = Number(live.typeId.replace(/^nvidia-/, ''));
      defined.push({
        kind: 'vendor-vfio',
        vf: text,
        pf: host.gpu,
        typeId,
        typeName: live.typeName,
        start,
        path: vendorDefinitionPath(host.gpu, text),
      });
    }
  }
  return { plan: { action: `define ${countedIds(defined.map(idOf))}`, steps: definitionSteps(defined, []) }, defined };
}

/** Plans removing definitions (also unreadable ones: undefine is how a corrupt file is cleaned up). */
export function planUndefineVgpus(
  definitions: Definitions,
  request: { ids: string[]; gpu?: string | undefined },
): Plan {
  const ids = parseVgpuIds(request.ids, 'undefine vGPUs');
  const gpu = parentName(request.gpu);
  const steps: Step[] = [];
  for (const id of ids) {
    const text = vgpuIdText(id);
    const { found, problems } = definitionsOf(definitions, text);
    const parentOf = (d: Definition) => (d.kind === 'mdev' ? d.parent : d.pf);
    const files = [
      ...found.filter((d) => gpu === undefined || parentOf(d) === gpu).map((d) => d.path),
      ...problems.filter((p) => gpu === undefined || p.parent === gpu).map((p) => p.path),
    ];
    if (files.length === 0) {
      throw new VgpuctlError(
        'DEVICE_NOT_FOUND',
        `Cannot undefine vGPU "${text}": it is not defined${gpu === undefined ? '' : ` on ${gpu}`}`,
        {
          hint: '"vgpuctl vgpus" lists the defined vGPUs',
        },
      );
    }
    for (const path of files) steps.push({ kind: 'removeFile', path, why: `undefine vGPU ${text}` });
  }
  return { action: `undefine ${countedIds(ids.map(vgpuIdText))}`, steps };
}

/** Changes to one definition, as mdevctl `modify` takes them. */
export interface ModifyVgpuRequest {
  id: string;
  /** Which parent's definition, when the UUID is defined under several. */
  gpu?: string | undefined;
  type?: string | undefined;
  start?: StartMode | undefined;
  /** Insert an attribute (at `index`, default last). */
  addAttr?: { name: string; value: string; index?: number | undefined } | undefined;
  /** Delete the attribute at `index` (default last). */
  delAttr?: { index?: number | undefined } | undefined;
  /** Accept a type id the parent does not offer now (parent absent). */
  force?: boolean | undefined;
}

/** Plans a change to one definition; a running vGPU keeps running as it is until restarted. */
export function planModifyVgpu(
  inventory: Inventory,
  definitions: Definitions,
  request: ModifyVgpuRequest,
): { plan: Plan; definition: Definition } {
  const [id] = parseVgpuIds([request.id], 'modify vGPU');
  const text = vgpuIdText(id as NonNullable<typeof id>);
  const gpu = parentName(request.gpu);
  const { found, problems } = definitionsOf(definitions, text);
  const parentOf = (d: Definition) => (d.kind === 'mdev' ? d.parent : d.pf);
  const broken = problems.find((p) => gpu === undefined || p.parent === gpu);
  if (broken !== undefined) {
    throw new VgpuctlError(
      'DEFINITION_INVALID',
      `Cannot modify vGPU "${text}": its definition ${broken.path} is invalid: ${broken.reason}`,
      {
        hint: `Remove it with "vgpuctl undefine ${text}" and define the vGPU again`,
      },
    );
  }
  const matches = found.filter((d) => gpu === undefined || parentOf(d) === gpu);
  const [definition] = matches;
  if (definition === undefined) {
    throw new VgpuctlError(
      'DEVICE_NOT_FOUND',
      `Cannot modify vGPU "${text}": it is not defined${gpu === undefined ? '' : ` on ${gpu}`}`,
      {
        hint: `Define it first ("vgpuctl define ${text}" for a running vGPU)`,
      },
    );
  }
  if (matches.length > 1) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot modify vGPU "${text}": it is defined on ${matches.map(parentOf).join(' and ')}`,
      {
        hint: 'Choose the definition with --gpu PARENT',
      },
    );
  }
  if (
    request.type === undefined &&
    request.start === undefined &&
    request.addAttr === undefined &&
    request.delAttr === undefined
  ) {
    throw new VgpuctlError('USAGE', `Cannot modify vGPU "${text}": no change given`, {
      hint: 'Give --type, --auto, --manual, --addattr NAME --value VALUE or --delattr',
    });
  }

  if (definition.kind === 'vendor-vfio') {
    if (request.addAttr !== undefined || request.delAttr !== undefined) throw noAttrs();
    const next = { ...definition };
    if (request.start !== undefined) next.start = request.start;
    if (request.type !== undefined) {
      const type = listVgpuTypes(inventory).find(
        (t) => t.gpu === definition.pf && typeMatches(t, request.type as string),
      );
      if (type?.nvidiaTypeId == null) {
        throw new VgpuctlError(
          'VGPU_TYPE_NOT_FOUND',
          `Cannot modify vGPU "${text}": ${definition.pf} offers no type "${request.type}" now`,
          {
            hint: `"vgpuctl types ${definition.pf}" lists its types`,
          },
        );
      }
      next.typeId = type.nvidiaTypeId;
      next.typeName = type.name;
    }
    return rewriteDefinition(text, next, formatVendorVfioConfig(next));
  }

  const next = { ...definition, attrs: [...definition.attrs] };
  if (request.start !== undefined) next.start = request.start;
  if (request.type !== undefined)
    next.mdevType = resolveDefinedType(inventory, definition.parent, request.type, request.force === true, text);
  if (request.addAttr !== undefined) {
    const { name, value, index } = request.addAttr;
    checkAttrs([[name, value]]);
    if (index !== undefined && (index < 0 || index > next.attrs.length)) throw badIndex(text, index, next.attrs.length);
    next.attrs.splice(index ?? next.attrs.length, 0, [name, value]);
  }
  if (request.delAttr !== undefined) {
    const index = request.delAttr.index ?? next.attrs.length - 1;
    if (index < 0 || index >= next.attrs.length) throw badIndex(text, index, next.attrs.length);
    next.attrs.splice(index, 1);
  }
  return rewriteDefinition(text, next, formatMdevctlConfig(next));
}

/** Capacity claimed by definitions that are not running: they must still fit when started. */
function reservationsOf(
  inventory: Inventory,
  definitions: Definitions,
  options: { includeRunning?: boolean } = {},
): Reservations {
  const live = new Set(vgpuHosts(inventory).flatMap((h) => h.live.map((v) => v.id)));
  return {
    mdev: definitions.mdev
      .filter((d) => options.includeRunning === true || !live.has(d.uuid))
      .map((d) => ({ parent: d.parent, typeId: d.mdevType })),
    vfs: definitions.vendorVfio.map((d) => d.vf),
  };
}

function planForcedDefine(
  inventory: Inventory,
  definitions: Definitions,
  request: DefineVgpusRequest,
  start: StartMode,
  attrs: [string, string][],
  options: { newUuid?: () => string },
): { plan: Plan; defined: DefinedVgpu[] } {
  if (request.gpu === undefined) {
    throw new VgpuctlError('USAGE', 'Cannot define vGPUs with --force: --gpu names no parent', {
      hint: 'With --force, give the mdev parent (--gpu 0000:3b:00.0) and the type id (--type nvidia-222)',
    });
  }
  const parent = parentName(request.gpu);
  if (
    vgpuHosts(inventory).some(
      (h) => h.mechanism === 'vendor-vfio' && (h.gpu === parent || h.vfs.some((v) => v.address === parent)),
    )
  ) {
    throw new VgpuctlError('UNSUPPORTED', `Cannot define vGPUs on "${parent}" with --force: it is a vendor-VFIO GPU`, {
      hint: 'Vendor-VFIO vGPUs are defined on an existing VF; enable the VFs and leave out --force',
    });
  }
  const type = resolveDefinedType(inventory, parent, request.type, true, parent);
  const given = (request.uuids ?? []).map(parseUuid);
  const count = resolveCount(request.count, given.length, 'define');
  const uuids = [...given];
  while (uuids.length < count) {
    if (options.newUuid === undefined)
      throw new VgpuctlError('INVALID_ARGUMENT', `Cannot define ${count} vGPUs: ${given.length} UUIDs given`);
    uuids.push(parseUuid(options.newUuid()));
  }
  checkNewUuids(inventory, definitions, uuids, 'define');
  const defined: DefinedVgpu[] = uuids.map((uuid) => ({
    kind: 'mdev',
    uuid,
    parent,
    type,
    start,
    path: mdevDefinitionPath(parent, uuid),
  }));
  const starts = request.startNow === true ? uuids.flatMap((uuid) => mdevCreateSteps(parent, type, uuid, attrs)) : [];
  return {
    plan: { action: `define ${countedIds(uuids)}`, steps: [...definitionSteps(defined, attrs), ...starts] },
    defined,
  };
}

/** The mdev type id a definition on `parent` gets: resolved against the parent when it exists. */
function resolveDefinedType(inventory: Inventory, parent: string, query: string, force: boolean, what: string): string {
  const info = vgpuHosts(inventory)
    .flatMap((h) => h.parents)
    .find((p) => p.name === parent);
  const type = info?.types.find((t) => typeMatches({ ...t, nvidiaTypeId: null }, query));
  if (type !== undefined) return type.id;
  if (force) return forcedTypeId(inventory, query);
  throw new VgpuctlError(
    'VGPU_TYPE_NOT_FOUND',
    info === undefined
      ? `Cannot define "${what}" on "${parent}": no such mdev parent now`
      : `Cannot define "${what}": ${parent} offers no type "${query}"`,
    { hint: 'Add --force to define it anyway (for a parent whose types appear later, e.g. after nvidia-vgpud starts)' },
  );
}

/**
 * The type id a forced definition writes: mdevctl starts a definition by writing to
 * `mdev_supported_types/<id>/create`, so a name ("T4-1B") would never start. A name is
 * resolved through the types other parents offer now, else refused.
 */
function forcedTypeId(inventory: Inventory, query: string): string {
  const text = query.trim();
  if (/^\d+$/.test(text)) return `nvidia-${text}`;
  const ids = new Set(
    vgpuHosts(inventory)
      .flatMap((h) => h.parents.flatMap((p) => p.types))
      .filter((t) => typeMatches({ ...t, nvidiaTypeId: null }, text))
      .map((t) => t.id),
  );
  const [only] = ids;
  if (ids.size === 1 && only !== undefined) return only;
  if (ids.size > 1 || parseNvidiaTypeName(text) !== undefined || /\s/.test(text)) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot define vGPUs of type "${text}" with --force: it is a type name${ids.size > 1 ? ` matching ${[...ids].join(', ')}` : ''}, and a definition needs a type id`,
      { hint: 'Give the type id, for example --type nvidia-222 ("vgpuctl types" lists them)' },
    );
  }
  return checkPathName('mdev type', text);
}

function definitionSteps(defined: DefinedVgpu[], attrs: [string, string][]): Step[] {
  const steps: Step[] = [];
  const dirs = new Set<string>();
  for (const d of defined) {
    const dir = d.path.slice(0, d.path.lastIndexOf('/'));
    if (!dirs.has(dir)) {
      dirs.add(dir);
      steps.push({
        kind: 'mkdir',
        path: dir,
        why: `directory for definitions on ${d.kind === 'mdev' ? d.parent : d.pf}`,
      });
    }
    const content =
      d.kind === 'mdev'
        ? formatMdevctlConfig({ mdevType: d.type, start: d.start, attrs })
        : formatVendorVfioConfig({ typeId: d.typeId, typeName: d.typeName, start: d.start });
    steps.push({
      kind: 'writeFile',
      path: d.path,
      content,
      mode: 0o644,
      why: `define vGPU ${idOf(d)} (${d.kind === 'mdev' ? d.type : `nvidia-${d.typeId}`}, start ${d.start})`,
    });
  }
  return steps;
}

function idOf(d: DefinedVgpu): string {
  return d.kind === 'mdev' ? d.uuid : d.vf;
}

function checkAttrs(attrs: [string, string][]): [string, string][] {
  for (const [name] of attrs) {
    if (!isAttrName(name)) {
      throw new VgpuctlError(
        'INVALID_NAME',
        `Cannot use attribute "${name}": attribute names are paths below the device, without ".." or a leading "/"`,
        {
          hint: 'Give the attribute as the file below /sys/bus/mdev/devices/<uuid>/ is named, for example vendor/foo',
        },
      );
    }
  }
  return attrs;
}

function noAttrs(): VgpuctlError {
  return new VgpuctlError(
    'UNSUPPORTED',
    'Cannot set attributes on a vendor-VFIO vGPU: attributes are an mdev feature',
    {
      hint: 'Leave out --attr / --addattr for vendor-VFIO vGPUs',
    },
  );
}

function badIndex(id: string, index: number, length: number): VgpuctlError {
  return new VgpuctlError(
    'INVALID_ARGUMENT',
    `Cannot modify vGPU "${id}": attribute index ${index} is out of range (it has ${length})`,
    {
      hint: 'Indices count from 0; "vgpuctl vgpus --json" shows the attributes',
    },
  );
}

/** The plan of a modify: one atomic rewrite of the definition file. */
function rewriteDefinition<D extends { path: string }>(text: string, definition: D, content: string) {
  return {
    plan: {
      action: `modify vGPU ${text}`,
      steps: [
        {
          kind: 'writeFile' as const,
          path: definition.path,
          content,
          mode: 0o644,
          why: `update the definition of vGPU ${text}`,
        },
      ],
    },
    definition,
  };
}
