/**
 * Keeps the API server's ResourceSlices of this node equal to what the node offers: creates
 * new slices, replaces changed ones, deletes the ones no GPU backs any more. A change to any
 * slice raises the pool generation on all of them, as the API asks of drivers, so that the
 * scheduler never mixes slices of two generations.
 */
import type { ClusterApi } from '../api/cluster-api.ts';
import type { NodeOffer } from '../node-devices.ts';
import { NODE_LABEL, type ResourceSliceObject, resourceSlices, type SliceOptions } from './resource-slices.ts';

/** What one publication did. */
export interface PublishReport {
  generation: number;
  created: string[];
  replaced: string[];
  deleted: string[];
}

export class SlicePublisher {
  private generation = 0;
  /** The last published content of each slice, without the generation. */
  private published = new Map<string, string>();
  private known: Set<string> | undefined;
  private readonly api: ClusterApi;
  private readonly options: Omit<SliceOptions, 'generation'>;

  constructor(api: ClusterApi, options: Omit<SliceOptions, 'generation'>) {
    this.api = api;
    this.options = options;
  }

  /** Publishes the offer; does nothing when no slice changed. */
  async publish(offer: NodeOffer): Promise<PublishReport> {
    if (this.known === undefined) {
      this.known = new Set(await this.api.listSlices({ [NODE_LABEL]: this.options.nodeName }));
      // Slices left by an earlier run are replaced (or deleted) with a fresh generation.
      this.generation = 0;
    }
    const draft = resourceSlices(offer, { ...this.options, generation: 0 });
    const contents = new Map(draft.map((s) => [s.metadata.name, comparable(s)]));
    const names = new Set(contents.keys());
    const changed =
      [...contents].some(([name, content]) => this.published.get(name) !== content) ||
      [...this.known].some((name) => !names.has(name)) ||
      this.published.size !== contents.size;
    const report: PublishReport = { generation: this.generation, created: [], replaced: [], deleted: [] };
    if (!changed) return report;
    this.generation++;
    report.generation = this.generation;
    const slices = resourceSlices(offer, { ...this.options, generation: this.generation });
    for (const slice of slices) {
      const name = slice.metadata.name;
      if (this.known.has(name)) {
        await this.api.replaceSlice(slice);
        report.replaced.push(name);
      } else {
        await this.api.createSlice(slice);
        report.created.push(name);
        this.known.add(name);
      }
    }
    for (const name of [...this.known]) {
      if (names.has(name)) continue;
      await this.api.deleteSlice(name);
      this.known.delete(name);
      report.deleted.push(name);
    }
    this.published = contents;
    return report;
  }

  /** Deletes every slice of this node (the driver is going away). */
  async withdraw(): Promise<void> {
    for (const name of await this.api.listSlices({ [NODE_LABEL]: this.options.nodeName }))
      await this.api.deleteSlice(name);
    this.known = new Set();
    this.published.clear();
  }
}

function comparable(slice: ResourceSliceObject): string {
  return JSON.stringify({ ...slice.spec, pool: { ...slice.spec.pool, generation: 0, resourceSliceCount: 0 } });
}
