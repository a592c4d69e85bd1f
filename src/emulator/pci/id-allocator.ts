/** An IDA: hands out the lowest free non-negative id (lib/idr.c ida_alloc). */
export class IdAllocator {
  private readonly used = new Set<number>();
  private lowestFree = 0;

  /** Allocates the lowest free id. */
  alloc(): number {
    let id = this.lowestFree;
    while (this.used.has(id)) id++;
    this.used.add(id);
    this.lowestFree = id + 1;
    return id;
  }

  /** Claims a specific id; false when it is taken. */
  claim(id: number): boolean {
    if (this.used.has(id)) return false;
    this.used.add(id);
    return true;
  }

  /** Returns an id to the pool. */
  free(id: number): void {
    if (this.used.delete(id) && id < this.lowestFree) this.lowestFree = id;
  }

  /** True when the id is in use. */
  has(id: number): boolean {
    return this.used.has(id);
  }
}
