/**
 * The dashboard's script, served as /dashboard.js: subscribes to /v1/events, re-renders the
 * GPU cards from the server when something changes, and runs actions through a confirmation
 * that shows the plan (a dry run) before anything is applied. Plain JavaScript, no build.
 */
export const CLIENT_SCRIPT = `'use strict';
(() => {
  const csrf = document.querySelector('meta[name="vgpuctl-csrf"]').content;
  const gpus = document.getElementById('gpus');
  const live = document.getElementById('live');
  const dialog = document.getElementById('confirm');
  const headers = { 'Content-Type': 'application/json', 'X-Vgpuctl-Csrf': csrf };

  let pending = false;
  async function refresh() {
    if (pending) return;
    pending = true;
    try {
      const response = await fetch('/dashboard/gpus', { headers: { 'X-Vgpuctl-Csrf': csrf } });
      if (response.ok) gpus.innerHTML = await response.text();
    } finally {
      pending = false;
    }
  }

  const events = new EventSource('/v1/events');
  events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'live on'; });
  events.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.className = 'live off'; });
  for (const type of ['gpu.shown', 'gpu.hidden', 'driver.changed', 'vfs.changed', 'vgpu.created', 'vgpu.removed',
    'vgpu.defined', 'vgpu.undefined', 'type.availability', 'resync']) {
    events.addEventListener(type, () => { void refresh(); });
  }

  function request(action, data, dryRun) {
    switch (action) {
      case 'create':
        return ['POST', '/v1/vgpus', { type: data.type, gpu: data.gpu, count: 1, dryRun }];
      case 'remove':
        return ['DELETE', '/v1/vgpus/' + encodeURIComponent(data.id) + (dryRun ? '?dryRun=true' : ''), undefined];
      case 'bind':
        return ['POST', '/v1/gpus/' + encodeURIComponent(data.address) + '/bind', { dryRun }];
      case 'unbind':
        return ['POST', '/v1/gpus/' + encodeURIComponent(data.address) + '/unbind', { dryRun }];
    }
    throw new Error('unknown action ' + action);
  }

  async function call(action, data, dryRun) {
    const [method, url, body] = request(action, data, dryRun);
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw new Error(json.error.message + (json.error.hint ? ' (' + json.error.hint + ')' : ''));
    return json;
  }

  const title = document.getElementById('confirm-title');
  const planText = document.getElementById('confirm-plan');
  const errorText = document.getElementById('confirm-error');
  const ok = document.getElementById('confirm-ok');
  let current = null;

  gpus.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (button === null) return;
    current = { action: button.dataset.action, data: { ...button.dataset } };
    errorText.textContent = '';
    ok.disabled = true;
    try {
      const planned = await call(current.action, current.data, true);
      title.textContent = planned.plan.action;
      planText.textContent = planned.shell || '# nothing to do';
      ok.disabled = false;
    } catch (error) {
      title.textContent = 'Cannot ' + current.action;
      planText.textContent = '';
      errorText.textContent = error.message;
    }
    dialog.showModal();
  });

  ok.addEventListener('click', async (event) => {
    event.preventDefault();
    if (current === null) return;
    ok.disabled = true;
    try {
      await call(current.action, current.data, false);
      dialog.close('ok');
      await refresh();
    } catch (error) {
      errorText.textContent = error.message;
    }
  });
})();
`;

export const STYLESHEET = `
:root { font-family: system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7; }
header { display: flex; gap: 1rem; align-items: baseline; padding: 0.5rem 1rem; background: #fff; border-bottom: 1px solid #ddd; }
header h1 { font-size: 1.2rem; margin: 0; }
.live { margin-left: auto; font-size: 0.85rem; color: #888; }
.live.on { color: #1a7f37; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1rem; padding: 1rem; }
h2.section { grid-column: 1 / -1; font-size: 1rem; margin: 0.5rem 0 0; }
.gpu { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 0.75rem 1rem; }
.gpu h2 { font-size: 1rem; margin: 0 0 0.5rem; }
dl.identity { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.75rem; margin: 0; font-size: 0.85rem; }
dt { color: #666; }
dd { margin: 0; }
.vram .bar { position: relative; height: 0.9rem; background: #eee; border-radius: 4px; overflow: hidden; margin-top: 0.6rem; display: flex; }
.vram .bar .physical { background: #c7dbf5; }
.vram .bar .virtual { background: #e4d4f4; }
.vram .bar .allocated { position: absolute; left: 0; top: 0; bottom: 0; background: #2f6fcf; }
.legend { font-size: 0.8rem; color: #555; margin: 0.25rem 0; }
table.types { width: 100%; border-collapse: collapse; font-size: 0.85rem; margin-top: 0.5rem; }
table.types th, table.types td { text-align: left; padding: 0.15rem 0.3rem; border-bottom: 1px solid #f0f0f0; }
ul.vgpus, ul.doctor { font-size: 0.8rem; padding-left: 1rem; }
.doctor .fail { color: #b42318; } .doctor .warn { color: #9a6700; } .doctor .pass { color: #1a7f37; }
.error { color: #b42318; }
pre { background: #f6f8fa; padding: 0.5rem; overflow: auto; max-height: 20rem; font-size: 0.8rem; }
button.primary { background: #2f6fcf; color: #fff; border: none; padding: 0.3rem 0.8rem; border-radius: 4px; }
`;
