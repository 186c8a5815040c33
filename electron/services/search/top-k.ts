/** the k best items by `better`, without sorting everything */
export class TopK {
  private readonly heap: number[] = [];
  /** the score of the worst kept item, once full: anything lower is rejected without a call */
  private floor = -Infinity;
  constructor(
    private readonly k: number,
    private readonly better: (a: number, b: number) => boolean,
    private readonly scoreOf: (item: number) => number,
  ) {}

  push(item: number, score: number) {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(item);
      this.up(h.length - 1);
      if (h.length === this.k) this.floor = this.scoreOf(h[0]!);
    } else if (this.k > 0 && score >= this.floor && this.better(item, h[0]!)) {
      h[0] = item;
      this.down(0);
      this.floor = this.scoreOf(h[0]!);
    }
  }

  sorted(): number[] {
    return [...this.heap].sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0));
  }

  // a min-heap by "better": the root is the worst kept item
  private up(i: number) {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.better(h[p]!, h[i]!)) {
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      } else break;
    }
  }

  private down(i: number) {
    const h = this.heap;
    for (;;) {
      const l = i * 2 + 1;
      const r = l + 1;
      let worst = i;
      if (l < h.length && this.better(h[worst]!, h[l]!)) worst = l;
      if (r < h.length && this.better(h[worst]!, h[r]!)) worst = r;
      if (worst === i) return;
      [h[worst], h[i]] = [h[i]!, h[worst]!];
      i = worst;
    }
  }
}
