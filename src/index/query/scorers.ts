/**
 * Doc-at-a-time scorers over one segment (style P7: Weight binds a query to statistics, a
 * Scorer iterates one segment). Every scorer keeps its current doc in `doc`, starts at -1 and
 * ends at `noMoreDocs`. Hot loops touch only typed arrays and numbers.
 *
 * Pruning contract (Lucene's): after `setMinCompetitiveScore(min)` a scorer may skip any doc
 * whose score cannot exceed `min` (strictly). Ties are broken by doc id ascending and docs are
 * visited in ascending order, so a later doc scoring exactly `min` can never enter the top k.
 */
import type { PostingsField } from '../engine/segment.js';

// segment.postingsBlockSize/Shift as module-local constants: hot loops avoid module bindings
// (which some loaders compile to getter calls).
const postingsBlockSize = 128;
const postingsBlockShift = 7;

export const noMoreDocs = 0x7fffffff;

/** Upper bounds are inflated by this factor so float rounding can never make a bound too low. */
const boundSlack = 1 + 2 ** -20;

/** Receives scored docs; returns false to stop the segment. */
export interface HitCollector {
  collect(doc: number, score: number): boolean;
}

/**
 * The per-doc loop of a scorer over one segment (Lucene's BulkScorer). Each scorer class gets
 * its own copy (see `bulkLoop` uses below) so that `nextDoc`/`score` calls stay monomorphic even
 * when a process runs every query type. Returns false when the collector asked to stop.
 */
export abstract class Scorer {
  doc = -1;
  scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  abstract nextDoc(): number;
  abstract advance(target: number): number;
  abstract score(): number;
  /** An estimate of how many docs this scorer matches (for leading conjunctions). */
  abstract cost(): number;
  /** An upper bound of score() over every doc. */
  abstract maxScore(): number;
  setMinCompetitiveScore(_min: number): void {}
}

/** BM25 as Lucene's BM25Similarity computes it, float rounding included. */
export interface Bm25 {
  /** boost * idf, rounded to float. */
  readonly weight: number;
  /** Per norm byte: 1 / (k1 * (1 - b + b * length / avgdl)), rounded to float. */
  readonly normInverse: Float64Array;
}

export class TermScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // The hot loop of a single-term query: BM25 inlined, block skipping inside nextDoc.
    const freqs = this.freqs;
    const norms = this.norms;
    const hasNorms = this.hasNorms;
    const weight = this.scoring ? this.weight : 0;
    const normInverse = this.normInverse;
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      const score = Math.fround(weight - weight / (1 + freqs[this.posting]! * normInverse[hasNorms ? norms[doc]! : 1]!));
      if (!collector.collect(doc, score)) return false;
    }
    return true;
  }
  private posting: number;
  private readonly end: number;
  private readonly first: number;
  private readonly docs: Int32Array;
  private readonly freqs: Int32Array;
  private readonly norms: Uint8Array;
  private readonly hasNorms: boolean;
  private readonly weight: number;
  private readonly normInverse: Float64Array;
  private readonly firstBlock: number;
  private readonly blockLastDoc: Int32Array;
  private readonly impactStart: Int32Array;
  private readonly impactFreqs: Int32Array;
  private readonly impactNorms: Uint8Array;
  private minCompetitive = -1;
  private maxScoreCached = -1;
  /** The block whose competitiveness was last checked (-1: none). */
  private checkedBlock = -1;

  constructor(readonly field: PostingsField, ordinal: number, bm25: Bm25, readonly scoring: boolean) {
    super();
    this.first = field.postingsStart[ordinal]!;
    this.end = field.postingsStart[ordinal + 1]!;
    this.posting = this.first - 1;
    this.docs = field.docs;
    this.freqs = field.freqs;
    this.norms = field.norms;
    this.hasNorms = field.kind === 'text';
    this.weight = bm25.weight;
    this.normInverse = bm25.normInverse;
    this.firstBlock = field.blockStart[ordinal]!;
    this.blockLastDoc = field.blockLastDoc;
    this.impactStart = field.impactStart;
    this.impactFreqs = field.impactFreqs;
    this.impactNorms = field.impactNorms;
  }

  /** Index of the current posting (for phrase scorers reading positions). */
  get postingIndex(): number {
    return this.posting;
  }

  freq(): number {
    return this.freqs[this.posting]!;
  }

  nextDoc(): number {
    let posting = this.posting + 1;
    if (this.minCompetitive >= 0 && posting < this.end) posting = this.skipNonCompetitive(posting);
    this.posting = posting;
    return (this.doc = posting < this.end ? this.docs[posting]! : noMoreDocs);
  }

  advance(target: number): number {
    let posting = this.posting + 1;
    const end = this.end;
    if (posting >= end) {
      this.posting = end;
      return (this.doc = noMoreDocs);
    }
    // Skip whole blocks whose last doc is before the target.
    let block = this.firstBlock + ((posting - this.first) >> postingsBlockShift);
    const lastBlock = this.firstBlock + ((end - 1 - this.first) >> postingsBlockShift);
    if (this.blockLastDoc[block]! < target) {
      while (block < lastBlock && this.blockLastDoc[block]! < target) block++;
      if (this.blockLastDoc[block]! < target) {
        this.posting = end;
        return (this.doc = noMoreDocs);
      }
      posting = this.first + ((block - this.firstBlock) << postingsBlockShift);
    }
    const docs = this.docs;
    while (posting < end && docs[posting]! < target) posting++;
    if (this.minCompetitive >= 0 && posting < end) posting = this.skipNonCompetitive(posting);
    this.posting = posting;
    return (this.doc = posting < end ? docs[posting]! : noMoreDocs);
  }

  /** From `posting`, skips blocks whose best possible score is not above the threshold. */
  private skipNonCompetitive(posting: number): number {
    let block = this.firstBlock + ((posting - this.first) >> postingsBlockShift);
    if (block === this.checkedBlock) return posting;
    const end = this.end;
    while (this.blockMaxScore(block) * boundSlack <= this.minCompetitive) {
      posting = this.first + ((block + 1 - this.firstBlock) << postingsBlockShift);
      if (posting >= end) return end;
      block++;
    }
    this.checkedBlock = block;
    return posting;
  }

  blockMaxScore(block: number): number {
    if (!this.scoring) return 0;
    let best = 0;
    const weight = this.weight;
    for (let index = this.impactStart[block]!; index < this.impactStart[block + 1]!; index++) {
      const score = weight - weight / (1 + this.impactFreqs[index]! * this.normInverse[this.impactNorms[index]!]!);
      if (score > best) best = score;
    }
    return best;
  }

  score(): number {
    if (!this.scoring) return 0;
    const weight = this.weight;
    const norm = this.hasNorms ? this.norms[this.doc]! : 1;
    return Math.fround(weight - weight / (1 + this.freqs[this.posting]! * this.normInverse[norm]!));
  }

  cost(): number {
    return this.end - this.first;
  }

  maxScore(): number {
    if (this.maxScoreCached < 0) {
      let best = 0;
      const blocks = Math.ceil((this.end - this.first) / postingsBlockSize);
      for (let block = this.firstBlock; block < this.firstBlock + blocks; block++) best = Math.max(best, this.blockMaxScore(block));
      this.maxScoreCached = best * boundSlack;
    }
    return this.maxScoreCached;
  }

  override setMinCompetitiveScore(min: number): void {
    if (min > this.minCompetitive) {
      this.minCompetitive = min;
      this.checkedBlock = -1;
    }
  }
}

/** Iterates a sorted Int32Array of doc ids with a constant score. */
export class DocListScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    const docs = this.docs;
    const score = this.constantScore;
    for (let index = this.index + 1; index < docs.length; index++) {
      const doc = docs[index]!;
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      this.index = index;
      this.doc = doc;
      if (!collector.collect(doc, score)) return false;
    }
    this.index = docs.length;
    this.doc = noMoreDocs;
    return true;
  }
  private index = -1;
  constructor(private readonly docs: Int32Array, private readonly constantScore: number) {
    super();
  }
  nextDoc(): number {
    const index = ++this.index;
    return (this.doc = index < this.docs.length ? this.docs[index]! : noMoreDocs);
  }
  advance(target: number): number {
    const docs = this.docs;
    let low = this.index + 1;
    // Gallop, then binary search.
    let step = 1;
    let high = low;
    while (high < docs.length && docs[high]! < target) {
      low = high + 1;
      high += step;
      step <<= 1;
    }
    if (high > docs.length) high = docs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (docs[middle]! < target) low = middle + 1;
      else high = middle;
    }
    this.index = low;
    return (this.doc = low < docs.length ? docs[low]! : noMoreDocs);
  }
  score(): number {
    return this.constantScore;
  }
  cost(): number {
    return this.docs.length;
  }
  maxScore(): number {
    return this.constantScore;
  }
}

/** Iterates the set bits of a bitset (one bit per doc) with a constant score. */
export class BitSetScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // Walks set bits word by word from a fresh scorer.
    if (this.doc >= 0) return super.scoreAll(collector, live);
    const bits = this.bits;
    const score = this.constantScore;
    for (let word = 0; word < bits.length; word++) {
      let value = live === null ? bits[word]! : bits[word]! & live[word]!;
      while (value !== 0) {
        const low = value & -value;
        const doc = (word << 5) + (31 - Math.clz32(low));
        value ^= low;
        if (doc >= this.maxDoc) break;
        this.doc = doc;
        if (!collector.collect(doc, score)) return false;
      }
    }
    this.doc = noMoreDocs;
    return true;
  }
  constructor(private readonly bits: Uint32Array, private readonly maxDoc: number, private readonly count: number, private readonly constantScore: number) {
    super();
  }
  nextDoc(): number {
    return this.advance(this.doc + 1);
  }
  advance(target: number): number {
    if (target >= this.maxDoc) return (this.doc = noMoreDocs);
    const bits = this.bits;
    let word = target >>> 5;
    let value = bits[word]! >>> (target & 31);
    if (value !== 0) return (this.doc = target + (31 - Math.clz32(value & -value)));
    const words = bits.length;
    while (++word < words) {
      value = bits[word]!;
      if (value !== 0) {
        const doc = (word << 5) + (31 - Math.clz32(value & -value));
        return (this.doc = doc < this.maxDoc ? doc : noMoreDocs);
      }
    }
    return (this.doc = noMoreDocs);
  }
  score(): number {
    return this.constantScore;
  }
  cost(): number {
    return this.count;
  }
  maxScore(): number {
    return this.constantScore;
  }
}

/** Every doc of the segment (match_all), constant score. */
export class AllDocsScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    const score = this.constantScore;
    for (let doc = this.doc + 1; doc < this.maxDoc; doc++) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      this.doc = doc;
      if (!collector.collect(doc, score)) return false;
    }
    this.doc = noMoreDocs;
    return true;
  }
  constructor(private readonly maxDoc: number, private readonly constantScore: number) {
    super();
  }
  nextDoc(): number {
    const doc = this.doc + 1;
    return (this.doc = doc < this.maxDoc ? doc : noMoreDocs);
  }
  advance(target: number): number {
    return (this.doc = target < this.maxDoc ? target : noMoreDocs);
  }
  score(): number {
    return this.constantScore;
  }
  cost(): number {
    return this.maxDoc;
  }
  maxScore(): number {
    return this.constantScore;
  }
}

/** Matches the inner scorer's docs with a fixed score (constant_score, filter context). */
export class ConstantScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  constructor(private readonly inner: Scorer, private readonly constantScore: number) {
    super();
  }
  nextDoc(): number {
    return (this.doc = this.inner.nextDoc());
  }
  advance(target: number): number {
    return (this.doc = this.inner.advance(target));
  }
  score(): number {
    return this.constantScore;
  }
  cost(): number {
    return this.inner.cost();
  }
  maxScore(): number {
    return this.constantScore;
  }
}

/** Multiplies the inner scorer's score by a boost (bool/dis_max boost). */
export class BoostScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  constructor(private readonly inner: Scorer, private readonly boost: number) {
    super();
  }
  nextDoc(): number {
    return (this.doc = this.inner.nextDoc());
  }
  advance(target: number): number {
    return (this.doc = this.inner.advance(target));
  }
  score(): number {
    return Math.fround(this.inner.score() * this.boost);
  }
  cost(): number {
    return this.inner.cost();
  }
  maxScore(): number {
    return this.inner.maxScore() * this.boost * boundSlack;
  }
  override setMinCompetitiveScore(min: number): void {
    if (this.boost > 0) this.inner.setMinCompetitiveScore(min / this.boost / boundSlack);
  }
}

/**
 * Conjunction: all clauses must match. `scoringCount` first clauses contribute to the score
 * (summed in clause order, in double, then rounded to float, as Lucene's ConjunctionScorer);
 * the rest are filters. The cheapest clause leads.
 */
export class ConjunctionScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  private readonly lead: Scorer;
  private readonly others: Scorer[];
  private readonly maxScores: number[];
  private readonly maxScoreSum: number;
  constructor(private readonly clauses: readonly Scorer[], private readonly scoringCount: number) {
    super();
    const byCost = [...clauses].sort((left, right) => left.cost() - right.cost());
    this.lead = byCost[0]!;
    this.others = byCost.slice(1);
    this.maxScores = clauses.slice(0, scoringCount).map((clause) => clause.maxScore());
    this.maxScoreSum = this.maxScores.reduce((sum, value) => sum + value, 0) * boundSlack;
  }
  nextDoc(): number {
    return this.align(this.lead.nextDoc());
  }
  advance(target: number): number {
    return this.align(this.lead.advance(target));
  }
  private align(target: number): number {
    const others = this.others;
    outer: while (target !== noMoreDocs) {
      for (let index = 0; index < others.length; index++) {
        const other = others[index]!;
        let doc = other.doc;
        if (doc < target) doc = other.advance(target);
        if (doc > target) {
          target = this.lead.advance(doc);
          continue outer;
        }
      }
      return (this.doc = target);
    }
    return (this.doc = noMoreDocs);
  }
  score(): number {
    let sum = 0;
    for (let index = 0; index < this.scoringCount; index++) sum += this.clauses[index]!.score();
    return Math.fround(sum);
  }
  cost(): number {
    return this.lead.cost();
  }
  maxScore(): number {
    return this.maxScoreSum;
  }
  override setMinCompetitiveScore(min: number): void {
    for (let index = 0; index < this.scoringCount; index++) {
      const othersMax = (this.maxScoreSum - this.maxScores[index]!) * boundSlack;
      const clauseMin = min - othersMax;
      if (clauseMin > 0) this.clauses[index]!.setMinCompetitiveScore(clauseMin / boundSlack);
    }
  }
}

/**
 * Disjunction summing its clauses' scores, pruned with MaxScore (Turtle & Flood): clauses are
 * ordered by their score upper bound; the lowest ones whose bounds sum to at most the
 * competitive threshold are "non-essential" and only consulted for candidates found by the
 * essential ones, and only while the candidate can still beat the threshold.
 * Scores are summed in clause order so pruned and exhaustive runs agree to the bit.
 */
export class DisjunctionSumScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  private readonly byMaxScore: Scorer[];
  private readonly boundsAscending: Float64Array;
  /** prefixBound[i] = sum of the bounds of byMaxScore[0..i). */
  private readonly prefixBound: Float64Array;
  private readonly clauseIndex: Int32Array;
  private readonly contributions: Float64Array;
  private firstEssential = 0;
  private minCompetitive = -1;
  private currentScore = 0;
  private readonly totalCost: number;
  constructor(private readonly clauses: readonly Scorer[]) {
    super();
    const order = clauses.map((clause, index) => ({ clause, index, bound: clause.maxScore() })).sort((left, right) => left.bound - right.bound || left.index - right.index);
    this.byMaxScore = order.map((entry) => entry.clause);
    this.clauseIndex = Int32Array.from(order.map((entry) => entry.index));
    this.boundsAscending = Float64Array.from(order.map((entry) => entry.bound));
    this.prefixBound = new Float64Array(order.length + 1);
    for (let index = 0; index < order.length; index++) this.prefixBound[index + 1] = (this.prefixBound[index]! + this.boundsAscending[index]!) * boundSlack;
    this.contributions = new Float64Array(clauses.length);
    this.totalCost = clauses.reduce((sum, clause) => sum + clause.cost(), 0);
  }
  nextDoc(): number {
    return this.findCandidate(this.doc + 1);
  }
  advance(target: number): number {
    return this.findCandidate(target);
  }
  private findCandidate(target: number): number {
    const scorers = this.byMaxScore;
    const count = scorers.length;
    const contributions = this.contributions;
    const clauseIndex = this.clauseIndex;
    for (;;) {
      // The next candidate: the smallest doc >= target among essential clauses.
      let candidate = noMoreDocs;
      for (let index = this.firstEssential; index < count; index++) {
        const scorer = scorers[index]!;
        let doc = scorer.doc;
        if (doc < target) doc = scorer.advance(target);
        if (doc < candidate) candidate = doc;
      }
      if (candidate === noMoreDocs) return (this.doc = noMoreDocs);
      contributions.fill(0);
      let partial = 0;
      for (let index = this.firstEssential; index < count; index++) {
        const scorer = scorers[index]!;
        if (scorer.doc === candidate) {
          const score = scorer.score();
          contributions[clauseIndex[index]!] = score;
          partial += score;
        }
      }
      let competitive = true;
      for (let index = this.firstEssential - 1; index >= 0; index--) {
        if (this.minCompetitive >= 0 && (partial + this.prefixBound[index + 1]!) * boundSlack <= this.minCompetitive) {
          competitive = false;
          break;
        }
        const scorer = scorers[index]!;
        let doc = scorer.doc;
        if (doc < candidate) doc = scorer.advance(candidate);
        if (doc === candidate) {
          const score = scorer.score();
          contributions[clauseIndex[index]!] = score;
          partial += score;
        }
      }
      if (competitive && this.minCompetitive >= 0 && partial * boundSlack <= this.minCompetitive) competitive = false;
      if (competitive) {
        let sum = 0;
        for (let index = 0; index < contributions.length; index++) sum += contributions[index]!;
        this.currentScore = Math.fround(sum);
        return (this.doc = candidate);
      }
      target = candidate + 1;
    }
  }
  score(): number {
    return this.currentScore;
  }
  cost(): number {
    return this.totalCost;
  }
  maxScore(): number {
    return this.prefixBound[this.byMaxScore.length]! * boundSlack;
  }
  override setMinCompetitiveScore(min: number): void {
    if (min <= this.minCompetitive) return;
    this.minCompetitive = min;
    while (this.firstEssential < this.byMaxScore.length && this.prefixBound[this.firstEssential + 1]! * boundSlack <= min) this.firstEssential++;
    const total = this.prefixBound[this.byMaxScore.length]!;
    for (let index = 0; index < this.byMaxScore.length; index++) {
      const clauseMin = min - (total - this.boundsAscending[index]!) * boundSlack;
      if (clauseMin > 0) this.byMaxScore[index]!.setMinCompetitiveScore(clauseMin / boundSlack);
    }
  }
}

/**
 * Disjunction for minimum_should_match > 1 and dis_max: visits every doc any clause matches and
 * computes (matching count, sum, max) there. No pruning.
 */
export class DisjunctionScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  private currentScore = 0;
  private readonly totalCost: number;
  constructor(
    private readonly clauses: readonly Scorer[],
    private readonly minimumMatch: number,
    /** 'sum' or dis_max with this tie breaker. */
    private readonly mode: 'sum' | 'max',
    private readonly tieBreaker: number,
  ) {
    super();
    this.totalCost = clauses.reduce((sum, clause) => sum + clause.cost(), 0);
  }
  nextDoc(): number {
    return this.find(this.doc + 1);
  }
  advance(target: number): number {
    return this.find(target);
  }
  private find(target: number): number {
    const clauses = this.clauses;
    for (;;) {
      let candidate = noMoreDocs;
      for (let index = 0; index < clauses.length; index++) {
        const clause = clauses[index]!;
        let doc = clause.doc;
        if (doc < target) doc = clause.advance(target);
        if (doc < candidate) candidate = doc;
      }
      if (candidate === noMoreDocs) return (this.doc = noMoreDocs);
      let matches = 0;
      let sum = 0;
      let max = 0;
      for (let index = 0; index < clauses.length; index++) {
        const clause = clauses[index]!;
        if (clause.doc === candidate) {
          matches++;
          const score = clause.score();
          sum += score;
          if (score > max) max = score;
        }
      }
      if (matches >= this.minimumMatch) {
        this.currentScore = this.mode === 'sum' ? Math.fround(sum) : Math.fround(max + this.tieBreaker * (sum - max));
        return (this.doc = candidate);
      }
      target = candidate + 1;
    }
  }
  score(): number {
    return this.currentScore;
  }
  cost(): number {
    return this.totalCost;
  }
  maxScore(): number {
    let sum = 0;
    let max = 0;
    for (const clause of this.clauses) {
      const bound = clause.maxScore();
      sum += bound;
      max = Math.max(max, bound);
    }
    return (this.mode === 'sum' ? sum : max + this.tieBreaker * (sum - max)) * boundSlack;
  }
}

/** Required clause plus optional clauses adding to the score where they match. */
export class RequiredOptionalScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  private readonly optionalMax: number;
  constructor(private readonly required: Scorer, private readonly optional: Scorer) {
    super();
    this.optionalMax = optional.maxScore();
  }
  nextDoc(): number {
    return (this.doc = this.required.nextDoc());
  }
  advance(target: number): number {
    return (this.doc = this.required.advance(target));
  }
  score(): number {
    let score = this.required.score();
    const doc = this.doc;
    let optionalDoc = this.optional.doc;
    if (optionalDoc < doc) optionalDoc = this.optional.advance(doc);
    if (optionalDoc === doc) score += this.optional.score();
    return Math.fround(score);
  }
  cost(): number {
    return this.required.cost();
  }
  maxScore(): number {
    return (this.required.maxScore() + this.optionalMax) * boundSlack;
  }
  override setMinCompetitiveScore(min: number): void {
    const requiredMin = min - this.optionalMax * boundSlack;
    if (requiredMin > 0) this.required.setMinCompetitiveScore(requiredMin / boundSlack);
  }
}

/** Required clause minus docs the exclusion matches (must_not). */
export class ExclusionScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  constructor(private readonly required: Scorer, private readonly excluded: Scorer) {
    super();
  }
  nextDoc(): number {
    return this.skipExcluded(this.required.nextDoc());
  }
  advance(target: number): number {
    return this.skipExcluded(this.required.advance(target));
  }
  private skipExcluded(doc: number): number {
    while (doc !== noMoreDocs) {
      let excludedDoc = this.excluded.doc;
      if (excludedDoc < doc) excludedDoc = this.excluded.advance(doc);
      if (excludedDoc !== doc) break;
      doc = this.required.nextDoc();
    }
    return (this.doc = doc);
  }
  score(): number {
    return this.required.score();
  }
  cost(): number {
    return this.required.cost();
  }
  maxScore(): number {
    return this.required.maxScore();
  }
  override setMinCompetitiveScore(min: number): void {
    this.required.setMinCompetitiveScore(min);
  }
}

/**
 * The union of the postings of several terms of one field, scored as one term whose frequency is
 * the sum of theirs (Lucene's SynonymQuery: the terms a synonym filter put at one position). A
 * phrase reads it as one of its positions (Lucene's MultiPhraseQuery), through `members`.
 */
export class TermUnionScorer extends Scorer {
  private readonly weight: number;
  private readonly normInverse: Float64Array;
  constructor(
    readonly members: readonly TermScorer[],
    bm25: Bm25,
    private readonly norms: Uint8Array,
    private readonly hasNorms: boolean,
    private readonly scoring: boolean,
  ) {
    super();
    this.weight = scoring ? bm25.weight : 0;
    this.normInverse = bm25.normInverse;
  }
  nextDoc(): number {
    return this.advance(this.doc + 1);
  }
  advance(target: number): number {
    let next = noMoreDocs;
    for (const member of this.members) {
      const doc = member.doc < target ? member.advance(target) : member.doc;
      if (doc < next) next = doc;
    }
    return (this.doc = next);
  }
  /** The summed frequency of the members on the current doc. */
  freq(): number {
    let freq = 0;
    for (const member of this.members) if (member.doc === this.doc) freq += member.freq();
    return freq;
  }
  score(): number {
    if (!this.scoring) return 0;
    const weight = this.weight;
    return Math.fround(weight - weight / (1 + this.freq() * this.normInverse[this.hasNorms ? this.norms[this.doc]! : 1]!));
  }
  cost(): number {
    let cost = 0;
    for (const member of this.members) cost += member.cost();
    return cost;
  }
  maxScore(): number {
    return this.weight;
  }
}

/**
 * Exact and sloppy phrases over term scorers, one group of them per phrase position: a position
 * with several terms (synonyms) matches any of them (Lucene's MultiPhraseQuery). Scoring is BM25
 * with the phrase frequency (exact: matches; sloppy: sum of 1/(1 + distance), as Lucene) and the
 * sum of the terms' idf. Sloppy matching here checks, for each position of the first group, the
 * cheapest placement of the others within the slop (an approximation of Lucene's
 * SloppyPhraseMatcher for phrases without repeated terms).
 */
export class PhraseScorer extends Scorer {
  override scoreAll(collector: HitCollector, live: Uint32Array | null): boolean {
    // A copy of Scorer.scoreAll: this class's own call sites stay monomorphic.
    for (let doc = this.nextDoc(); doc !== noMoreDocs; doc = this.nextDoc()) {
      if (live !== null && (live[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (!collector.collect(doc, this.score())) return false;
    }
    return true;
  }
  private readonly conjunction: ConjunctionScorer;
  private phraseFreq = 0;
  /**
   * `groups[i]` are the terms at phrase offset `offsets[i]` (offsets ascending) and
   * `iterators[i]` walks their docs: the one term scorer, or a TermUnionScorer over them.
   */
  constructor(
    private readonly groups: readonly (readonly TermScorer[])[],
    iterators: readonly Scorer[],
    private readonly offsets: readonly number[],
    private readonly slop: number,
    private readonly bm25: Bm25,
    private readonly norms: Uint8Array,
  ) {
    super();
    this.conjunction = new ConjunctionScorer(iterators, 0);
  }
  nextDoc(): number {
    return this.search(this.conjunction.nextDoc());
  }
  advance(target: number): number {
    return this.search(this.conjunction.advance(target));
  }
  private search(doc: number): number {
    while (doc !== noMoreDocs) {
      this.phraseFreq = this.computeFreq(doc);
      if (this.phraseFreq > 0) return (this.doc = doc);
      doc = this.conjunction.nextDoc();
    }
    return (this.doc = noMoreDocs);
  }
  private computeFreq(doc: number): number {
    const groups = this.groups;
    const field = groups[0]![0]!.field;
    const positions = field.positions;
    const starts = field.positionsStart;
    let freq = 0;
    for (const lead of groups[0]!) {
      if (lead.doc !== doc) continue;
      const first = lead.postingIndex;
      for (let p = starts[first]!; p < starts[first + 1]!; p++) {
        const anchor = positions[p]! - this.offsets[0]!;
        let distance = 0;
        let matched = true;
        for (let index = 1; index < groups.length; index++) {
          const wanted = anchor + this.offsets[index]!;
          let best = Infinity;
          for (const member of groups[index]!) {
            if (member.doc !== doc) continue;
            const posting = member.postingIndex;
            for (let q = starts[posting]!; q < starts[posting + 1]!; q++) {
              const gap = Math.abs(positions[q]! - wanted);
              if (gap < best) best = gap;
            }
          }
          distance += best;
          if (distance > this.slop) {
            matched = false;
            break;
          }
        }
        if (matched) freq += this.slop === 0 ? 1 : 1 / (1 + distance);
      }
    }
    return freq;
  }
  /** The current doc's phrase frequency (exact: matches; sloppy: the summed 1/(1 + distance)); explanations show it. */
  freq(): number {
    return this.phraseFreq;
  }
  score(): number {
    const weight = this.bm25.weight;
    return Math.fround(weight - weight / (1 + this.phraseFreq * this.bm25.normInverse[this.norms[this.doc]!]!));
  }
  cost(): number {
    return this.conjunction.cost();
  }
  maxScore(): number {
    return this.bm25.weight;
  }
}

/** A scorer matching nothing. */
export class EmptyScorer extends Scorer {
  nextDoc(): number {
    return (this.doc = noMoreDocs);
  }
  advance(): number {
    return (this.doc = noMoreDocs);
  }
  score(): number {
    return 0;
  }
  cost(): number {
    return 0;
  }
  maxScore(): number {
    return 0;
  }
}
