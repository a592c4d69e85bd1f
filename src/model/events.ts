/**
 * The typed events of the live host model: what changed between two readings of the host.
 * Every event names the GPU (or non-PCI mdev parent) it concerns, so that a subscriber can
 * refresh one card of a dashboard or one device of a plugin.
 */
import { z } from 'zod';

const Base = { gpu: z.string() };

export const ModelEvent = z.discriminatedUnion('type', [
  /** A GPU or mdev parent appeared (hotplug, `hotplug_control` show, a driver registering it). */
  z.object({ type: z.literal('gpu.shown'), ...Base, name: z.string().nullable() }),
  /** A GPU or mdev parent went away (surprise removal, `hotplug_control` hide, driver unload). */
  z.object({ type: z.literal('gpu.hidden'), ...Base }),
  z.object({
    type: z.literal('driver.changed'),
    ...Base,
    address: z.string(),
    before: z.string().nullable(),
    after: z.string().nullable(),
  }),
  z.object({ type: z.literal('vfs.changed'), ...Base, before: z.number().int(), after: z.number().int() }),
  z.object({
    type: z.literal('vgpu.created'),
    ...Base,
    id: z.string(),
    parent: z.string(),
    vgpuType: z.string().nullable(),
  }),
  z.object({
    type: z.literal('vgpu.removed'),
    ...Base,
    id: z.string(),
    parent: z.string(),
    vgpuType: z.string().nullable(),
  }),
  z.object({ type: z.literal('vgpu.defined'), ...Base, id: z.string(), parent: z.string() }),
  z.object({ type: z.literal('vgpu.undefined'), ...Base, id: z.string(), parent: z.string() }),
  z.object({
    type: z.literal('type.availability'),
    ...Base,
    vgpuType: z.string(),
    before: z.number().int().nullable(),
    after: z.number().int().nullable(),
  }),
]);
export type ModelEvent = z.infer<typeof ModelEvent>;

/** An event as the model publishes it: numbered (SSE `id`) and stamped. */
export const NumberedEvent = z.object({
  id: z.number().int(),
  at: z.string(),
  event: ModelEvent,
});
export type NumberedEvent = z.infer<typeof NumberedEvent>;
