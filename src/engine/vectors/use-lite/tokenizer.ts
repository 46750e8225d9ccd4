/**
 * The SentencePiece-style tokenizer of Universal Sentence Encoder lite, giving exactly the ids of
 * `@energetic-ai/embeddings`' tokenizer (its quirks included: ties go to the later start, a best
 * score of exactly 0 is overwritten, runs of unknown symbols merge), in linear time.
 *
 * The package's version copies the rest of the text at every symbol (`symbols.slice(i)`), so a
 * 20,000-character answer costs about 2.4 s; here each position walks the trie at most as deep
 * as the longest vocabulary piece (16 symbols): O(symbols x 16), about a millisecond for the
 * same answer, with a checkpoint every few thousand symbols.
 */

/** [piece, score] pairs; the position is the token id. */
export type Vocabulary = readonly (readonly [string, number])[];

interface TrieNode {
  children: Map<string, TrieNode>;
  end: boolean;
  /** Number of symbols (code points) of the piece ending here. */
  length: number;
  score: number;
  index: number;
}

const SEPARATOR = '\u2581';
const RESERVED_SYMBOLS = 6;
const CHECK_EVERY = 4096;

function node(length: number): TrieNode {
  return { children: new Map(), end: false, length, score: 0, index: 0 };
}

export class UseTokenizer {
  private readonly root = node(0);
  /** UTF-16 length of each piece: the package walks back by it (not by symbols). */
  private readonly pieceLength: Int32Array;

  constructor(vocabulary: Vocabulary) {
    this.pieceLength = Int32Array.from(vocabulary, ([piece]) => piece.length);
    for (let i = RESERVED_SYMBOLS; i < vocabulary.length; i++) {
      let n = this.root;
      const symbols = [...vocabulary[i][0]];
      symbols.forEach((s, depth) => {
        let child = n.children.get(s);
        if (child === undefined) {
          child = node(depth + 1);
          n.children.set(s, child);
        }
        n = child;
      });
      if (symbols.length > 0) {
        n.end = true;
        n.score = vocabulary[i][1];
        n.index = i;
      }
    }
  }

  /** Token ids of one text. O(symbols x longest piece). */
  encode(text: string, checkpoint: () => void = () => undefined): number[] {
    const normalized = text.normalize('NFKC');
    const input = normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : '';
    const symbols = [...input];
    const n = symbols.length;
    // Candidates ending at each position, in increasing start order (as the package visits them).
    const byEnd: number[][] = Array.from({ length: n + 1 }, () => []);
    const scoreOf: number[] = [];
    const indexOf: number[] = [];
    const lengthOf: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i % CHECK_EVERY === CHECK_EVERY - 1) checkpoint();
      let cur = this.root.children.get(symbols[i]);
      let found = false;
      for (let j = i; cur !== undefined;) {
        if (cur.end) {
          byEnd[i + cur.length].push(scoreOf.length);
          scoreOf.push(cur.score);
          indexOf.push(cur.index);
          lengthOf.push(cur.length);
          found = true;
        }
        j++;
        cur = j < n ? cur.children.get(symbols[j]) : undefined;
      }
      if (!found) {
        // Unknown symbol: a one-symbol piece of id 0 and score 0.
        byEnd[i + 1].push(scoreOf.length);
        scoreOf.push(0);
        indexOf.push(0);
        lengthOf.push(1);
      }
    }
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let end = 0; end <= n; end++) {
      if (end % CHECK_EVERY === CHECK_EVERY - 1) checkpoint();
      for (const c of byEnd[end]) {
        const score = scoreOf[c] + best[end - lengthOf[c]];
        if (best[end] === 0 || score >= best[end]) {
          best[end] = score;
          words[end] = indexOf[c];
        }
      }
    }
    const results: number[] = [];
    for (let iter = n; iter > 0; iter -= this.pieceLength[words[iter]]) results.push(words[iter]);
    const merged: number[] = [];
    let previousUnknown = false;
    for (const id of results) {
      if (!(previousUnknown && id === 0)) merged.push(id);
      previousUnknown = id === 0;
    }
    return merged.reverse();
  }
}
