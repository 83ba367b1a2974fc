/**
 * A container's output as `kubectl logs` shows it: the newest bytes, bounded in memory (the oldest
 * chunks are dropped first, as the kubelet rotates container logs), with live followers.
 */
export class LogBuffer {
  private chunks: string[] = [];
  private size = 0;
  private readonly followers = new Set<(s: string) => void>();

  /** @param maxChars the most characters kept; older output is dropped. */
  constructor(private readonly maxChars = 1 << 20) {}

  /** Appends output and hands it to every follower. */
  append(s: string): void {
    if (s.length === 0) return;
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.maxChars && this.chunks.length > 1) {
      const dropped = this.chunks.shift() ?? '';
      this.size -= dropped.length;
    }
    if (this.size > this.maxChars && this.chunks.length === 1) {
      const only = this.chunks[0] ?? '';
      this.chunks[0] = only.slice(only.length - this.maxChars);
      this.size = this.chunks[0].length;
    }
    for (const f of this.followers) f(s);
  }

  /** Everything kept, oldest first. */
  text(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }

  /** Calls onChunk for every later append; returns the unsubscribe function. */
  follow(onChunk: (s: string) => void): () => void {
    this.followers.add(onChunk);
    return () => {
      this.followers.delete(onChunk);
    };
  }
}
