/** Text rendering of `vgpuctl profiles`. */
import type { GpuProfiles, HostProfile } from '../../ops/profiles/host-profiles.ts';
import { type Column, renderTable } from './table.ts';

const mib = (n: number): string => (n % 1024 === 0 ? `${n / 1024}G` : `${n}M`);
/** `~` marks a value nobody published (an estimate); `*` one a vgpu_unlock-rs override sets. */
const est = (p: HostProfile, field: HostProfile['estimates'][number], text: string): string => {
  const overridden = (p.overridden as string[]).includes(field) ? '*' : '';
  return `${p.estimates.includes(field) ? '~' : ''}${text}${overridden}`;
};

const COLUMNS: Column<HostProfile>[] = [
  { header: 'ID', value: (p) => est(p, 'id', String(p.id)), align: 'right' },
  { header: 'PROFILE', value: (p) => (p.overridden.includes('name') ? `${p.short} (${p.name})` : p.short) },
  { header: 'CLASS', value: (p) => p.class },
  { header: 'FB', value: (p) => est(p, 'framebufferMiB', mib(p.framebufferMiB)), align: 'right' },
  { header: 'FB+ECC', value: (p) => `${p.eccEstimate ? '~' : ''}${mib(p.eccFramebufferMiB)}`, align: 'right' },
  { header: 'HEADS', value: (p) => est(p, 'numHeads', String(p.numHeads)), align: 'right' },
  { header: 'MAX RES', value: (p) => est(p, 'maxResolution', p.maxResolution) },
  { header: 'MAX/GPU', value: (p) => est(p, 'maxInstances', String(p.maxInstances)), align: 'right' },
  { header: 'FRL', value: (p) => est(p, 'frlConfig', String(p.frlConfig)), align: 'right' },
  {
    header: 'HOST',
    value: (p) =>
      p.offered === null
        ? '-'
        : p.offered
          ? `offered${p.available === null ? '' : `, ${p.available} free`}`
          : 'not offered',
  },
];

/** One table per GPU; `~` marks estimates; a footer says where values came from. */
export function renderProfiles(gpus: readonly GpuProfiles[], vgpuConfigPath?: string): string {
  if (gpus.length === 0) return 'No NVIDIA GPU with known vGPU profiles on this host.';
  const blocks = gpus.map((g) => {
    const how =
      g.matchedBy === 'advertised-types'
        ? ` — offers ${g.board} types (unlocked: presented as ${g.marketingName})`
        : '';
    const head = `${g.gpu}  ${g.name}${how} · ${g.mechanism} · ${g.memory}`;
    return `${head}\n${renderTable(g.profiles, COLUMNS)}`;
  });
  const overridden = gpus.some((g) => g.profiles.some((p) => p.overridden.length > 0));
  const notes = [
    '~ estimate: no public document states this value (see src/catalog/sources.ts).',
    ...(overridden ? ['* set by a vgpu_unlock-rs override (vgpuctl override show).'] : []),
    'FB+ECC: framebuffer a guest gets with ECC on (GDDR boards give ECC 1/16 of memory; HBM boards lose none).',
    vgpuConfigPath === undefined
      ? 'Values from the built-in catalog (NVIDIA vGPU user guide tables).'
      : `Values from ${vgpuConfigPath} where it lists the type, else the built-in catalog.`,
  ];
  return `${blocks.join('\n\n')}\n\n${notes.join('\n')}`;
}
