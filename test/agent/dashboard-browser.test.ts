/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core): the five GPUs
 * of `lab`, a vGPU created through the confirmation that shows the plan, the VRAM bar and the
 * free-instance count changing live, a change made behind the dashboard's back arriving over
 * SSE, and no console errors. Screenshots go to $VGPUCTL_TEST_ARTIFACTS or a temp directory.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ADMIN_TOKEN, testAgent } from '../../src/agent/_test-agent.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `needs ${CHROMIUM} (apt-get install chromium)`;
if (skip !== false) process.stdout.write(`# dashboard browser test skipped: ${skip}\n`);

let t: Awaited<ReturnType<typeof testAgent>>;
let context: BrowserContext;
let page: Page;
let profile: string;
let artifacts: string;
const problems: string[] = [];

before(async () => {
  if (skip !== false) return;
  t = await testAgent('lab', { listen: { host: '127.0.0.1', port: 0 } });
  profile = await mkdtemp(join(tmpdir(), 'vgpuctl-chromium-'));
  artifacts = process.env.VGPUCTL_TEST_ARTIFACTS ?? (await mkdtemp(join(tmpdir(), 'vgpuctl-dashboard-')));
  await mkdir(artifacts, { recursive: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
});

after(async () => {
  if (skip !== false) return;
  await context?.close();
  await t?.close();
  await rm(profile, { recursive: true, force: true });
  process.stdout.write(`# dashboard screenshots in ${artifacts}\n`);
});

const GPU = '0000:3b:00.0';
const card = () => page.locator(`section.gpu[data-gpu="${GPU}"]`);
const free = async () => Number(await card().locator('tr[data-type="nvidia-222"] td.free').textContent());
const allocated = async () => Number(await card().locator('.allocated-mib').textContent());

/** Waits until the dashboard shows `want` free nvidia-222 instances on the GPU (updated by its script). */
const freeBecomes = (want: number) =>
  card()
    .locator('tr[data-type="nvidia-222"] td.free', { hasText: new RegExp(`^${want}$`) })
    .waitFor();

test('loads with the token URL and shows the five GPUs of lab, live', { skip }, async () => {
  await page.goto(`${t.agent.url}/?token=${ADMIN_TOKEN}`);
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
  assert.equal(await page.locator('section.gpu:not(.parent)').count(), 5);
  await page.locator('#live.on').waitFor();
  await page.screenshot({ path: join(artifacts, '1-loaded.png'), fullPage: true });
});

test('creates a vGPU through the confirmation; the VRAM bar and free count change', { skip }, async () => {
  const [freeBefore, allocatedBefore] = [await free(), await allocated()];
  await card().locator('button[data-action="create"][data-type="nvidia-222"]').click();
  const dialog = page.locator('dialog#confirm');
  await dialog.waitFor({ state: 'visible' });
  assert.match((await page.locator('#confirm-plan').textContent()) ?? '', /nvidia-222\/create/);
  await page.screenshot({ path: join(artifacts, '2-confirm.png') });
  await page.locator('#confirm-ok').click();
  await dialog.waitFor({ state: 'hidden' });
  await freeBecomes(freeBefore - 1);
  assert.ok((await allocated()) > allocatedBefore);
  assert.equal(await card().locator('ul.vgpus li').count(), 1);
  await page.screenshot({ path: join(artifacts, '3-created.png'), fullPage: true });
});

test('a change made behind its back arrives over the event stream', { skip }, async () => {
  const before = await free();
  await t.host.write(
    `/sys/class/mdev_bus/${GPU}/mdev_supported_types/nvidia-222/create`,
    '00000000-0000-4000-8000-0000000000d5',
  );
  await freeBecomes(before - 1);
  assert.equal(await card().locator('ul.vgpus li').count(), 2);
  await page.screenshot({ path: join(artifacts, '4-external-change.png'), fullPage: true });
});

test('no console errors', { skip }, () => {
  assert.deepEqual(problems, []);
});
