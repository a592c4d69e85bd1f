/**
 * The dashboard's HTML, rendered on the server from the live model: one card per GPU (and per
 * non-PCI mdev parent) with identity, driver, IOMMU group, a VRAM bar, types with free
 * instances, vGPUs, passthrough and SR-IOV state and the doctor's verdicts. `hono/html`
 * escapes every interpolated value.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Gpu, MdevParentInfo } from '../../discovery/inventory.ts';
import { allocatedMiB, type HostState } from '../../model/host-state.ts';
import type { CheckResult } from '../../ops/doctor/check.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageInput {
  state: HostState;
  findings: CheckResult[];
  csrf: string | null;
  canWrite: boolean;
}

export function renderPage(input: PageInput): Html {
  const { state } = input;
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="vgpuctl-csrf" content="${input.csrf ?? ''}" />
    <title>vgpuctl — ${state.inventory.host.source}</title>
    <link rel="stylesheet" href="/dashboard.css" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <script src="/dashboard.js" defer></script>
  </head>
  <body>
    <header>
      <h1>vgpuctl</h1>
      <span class="host">${state.inventory.host.source}</span>
      <span id="live" class="live" title="Live updates">connecting…</span>
    </header>
    <main id="gpus">${renderGpus(input)}</main>
    <dialog id="confirm">
      <form method="dialog">
        <h2 id="confirm-title">Confirm</h2>
        <p>vgpuctl will make these changes:</p>
        <pre id="confirm-plan"></pre>
        <p id="confirm-error" class="error"></p>
        <menu>
          <button value="cancel" id="confirm-cancel">Cancel</button>
          <button value="ok" id="confirm-ok" class="primary">Apply</button>
        </menu>
      </form>
    </dialog>
  </body>
</html>`;
}

/** The GPU cards alone: what the page's script fetches again when an event arrives. */
export function renderGpus(input: PageInput): Html {
  const { state } = input;
  const gpus = state.inventory.gpus.map((gpu) => gpuCard(gpu, input));
  const parents = state.inventory.otherMdevParents.map((parent) => parentCard(parent, input));
  return html`${gpus}${parents.length === 0 ? '' : html`<h2 class="section">Other mdev parents</h2>${parents}`}`;
}

function gpuCard(gpu: Gpu, input: PageInput): Html {
  const { state, canWrite } = input;
  const allocated = allocatedMiB(state, gpu.address);
  const findings = input.findings.filter((f) => f.subject === gpu.address && f.verdict !== 'skip');
  const vfio = gpu.driver?.includes('vfio') ?? false;
  return html`<section class="gpu" data-gpu="${gpu.address}">
    <h2>${gpu.name}</h2>
    <dl class="identity">
      <dt>Address</dt><dd>${gpu.address}</dd>
      <dt>IDs</dt><dd>${gpu.vendor.id}:${gpu.device.id}</dd>
      <dt>Driver</dt><dd class="driver">${gpu.driver ?? 'none'}</dd>
      <dt>IOMMU group</dt><dd>${gpu.iommuGroup?.id ?? 'none'}</dd>
      <dt>SR-IOV</dt><dd class="sriov">${gpu.sriov === null ? 'no' : `${gpu.sriov.numVfs} of ${gpu.sriov.totalVfs} VFs`}</dd>
      <dt>Passthrough</dt><dd class="passthrough">${vfio ? `bound to ${gpu.driver}` : 'host driver'}</dd>
    </dl>
    ${vramBar(gpu, allocated)}
    ${typesTable(state, gpu.address, canWrite)}
    ${vgpuList(state, gpu.address, canWrite)}
    ${
      canWrite
        ? html`<div class="actions">${
            vfio
              ? html`<button data-action="unbind" data-address="${gpu.address}">Unbind</button>`
              : html`<button data-action="bind" data-address="${gpu.address}">Bind to vfio-pci</button>`
          }</div>`
        : ''
    }
    ${
      findings.length === 0
        ? ''
        : html`<ul class="doctor">${findings.map(
            (f) => html`<li class="${f.verdict}"><b>${f.verdict}</b> ${f.message}</li>`,
          )}</ul>`
    }
  </section>`;
}

function parentCard(parent: MdevParentInfo, input: PageInput): Html {
  return html`<section class="gpu parent" data-gpu="${parent.name}">
    <h2>${parent.name}</h2>
    <dl class="identity"><dt>mdev parent</dt><dd>${parent.path}</dd></dl>
    ${typesTable(input.state, parent.name, input.canWrite)}
    ${vgpuList(input.state, parent.name, input.canWrite)}
  </section>`;
}

function vramBar(gpu: Gpu, allocatedMiBs: number): Html {
  const physical = gpu.vram.physicalMiB ?? gpu.vram.totalMiB;
  const virtual = gpu.vram.virtualMiB ?? 0;
  if (physical === null) return html`<p class="vram unknown">VRAM: not reported by the host</p>`;
  const total = physical + virtual;
  const pct = (n: number) => `${Math.min(100, (100 * n) / Math.max(total, 1)).toFixed(1)}%`;
  return html`<div class="vram" data-allocated="${allocatedMiBs}" data-physical="${physical}" data-virtual="${virtual}">
    <div class="bar" role="img" aria-label="${allocatedMiBs} of ${total} MiB allocated to vGPUs">
      <span class="physical" style="width:${pct(physical)}"></span><span class="virtual" style="width:${pct(virtual)}"></span><span class="allocated" style="width:${pct(allocatedMiBs)}"></span>
    </div>
    <p class="legend">VRAM ${physical} MiB physical${virtual > 0 ? ` + ${virtual} MiB virtual` : ''}, <span class="allocated-mib">${allocatedMiBs}</span> MiB allocated to vGPUs</p>
  </div>`;
}

function typesTable(state: HostState, gpu: string, canWrite: boolean): Html {
  const types = state.types.filter((t) => t.gpu === gpu);
  if (types.length === 0) return html``;
  return html`<table class="types">
    <thead><tr><th>vGPU type</th><th>Framebuffer</th><th>Free</th><th>Used</th>${canWrite ? html`<th></th>` : ''}</tr></thead>
    <tbody>${types.map(
      (t) => html`<tr data-type="${t.id}">
        <td title="${t.id}">${t.name ?? t.id}</td>
        <td>${t.framebufferMiB === null ? '' : `${t.framebufferMiB} MiB`}</td>
        <td class="free">${t.availableInstances ?? '?'}</td>
        <td class="used">${t.instances}</td>
        ${
          canWrite
            ? html`<td><button data-action="create" data-gpu="${gpu}" data-type="${t.id}" ${
                (t.availableInstances ?? 0) > 0 ? '' : raw('disabled')
              }>Create</button></td>`
            : ''
        }
      </tr>`,
    )}</tbody>
  </table>`;
}

function vgpuList(state: HostState, gpu: string, canWrite: boolean): Html {
  const vgpus = state.vgpus.filter((v) => v.gpu === gpu);
  if (vgpus.length === 0) return html`<p class="vgpus empty">No vGPUs</p>`;
  return html`<ul class="vgpus">${vgpus.map(
    (v) =>
      html`<li data-vgpu="${v.id}"><code>${v.id}</code> ${v.typeName ?? v.type ?? ''} <em>${v.state}</em>${
        canWrite && v.state === 'running' ? html` <button data-action="remove" data-id="${v.id}">Remove</button>` : ''
      }</li>`,
  )}</ul>`;
}
