import winkNLP, { ItsFunction, WinkMethods } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/** What the engines need to know about one answer. */
export interface AnalyzedText {
  /** Lemmas of the content words, lower case, in order (stop words and punctuation dropped). */
  terms: string[];
  firstSentence: string;
}

let nlp: WinkMethods | null = null;

/** The English model ships inside its npm package; it loads once per thread (~150 ms). */
function pipeline(): WinkMethods {
  if (nlp === null) nlp = winkNLP(model, ['sbd', 'pos']);
  return nlp;
}

const MAX_SENTENCE = 240;

export function analyzeText(text: string): AnalyzedText {
  const p = pipeline();
  const its = p.its;
  const doc = p.readDoc(text);
  const tokens = doc.tokens();
  const types: string[] = tokens.out(its.type);
  const stop = tokens.out(its.stopWordFlag) as unknown as boolean[];
  // wink-nlp's typings declare `its.lemma` with a signature `out` does not accept.
  const lemmas: string[] = tokens.out(its.lemma as unknown as ItsFunction<string>);
  const terms: string[] = [];
  for (let i = 0; i < types.length; i++) {
    if (types[i] !== 'word' || stop[i]) continue;
    const lemma = lemmas[i].toLowerCase();
    if (lemma.length >= 2 && /\p{L}/u.test(lemma)) terms.push(lemma);
  }
  const sentences = doc.sentences().out();
  let first = (sentences[0] ?? text).trim();
  if (first.length > MAX_SENTENCE) first = `${first.slice(0, MAX_SENTENCE - 1).trimEnd()}\u2026`;
  return { terms, firstSentence: first };
}

/**
 * Analyses every text, checking for a stop request every ~4,000 characters (wink-nlp reads about
 * 0.5-1 MB of text a second, so that is a few milliseconds) and reporting how many are done.
 * Cost: O(total characters).
 */
export function analyzeTexts(
  texts: readonly string[],
  checkpoint: () => void,
  onProgress: (done: number, total: number) => void = () => undefined,
): AnalyzedText[] {
  const out: AnalyzedText[] = new Array<AnalyzedText>(texts.length);
  let chars = Infinity;
  for (let i = 0; i < texts.length; i++) {
    if (chars >= 4000 || i % 64 === 0) {
      checkpoint();
      onProgress(i, texts.length);
      chars = 0;
    }
    out[i] = analyzeText(texts[i]);
    chars += texts[i].length;
  }
  onProgress(texts.length, texts.length);
  return out;
}

/** Unigrams plus bigrams of adjacent content words ("solar panel"). */
export function termsWithBigrams(terms: readonly string[]): string[] {
  const out = terms.slice();
  for (let i = 0; i + 1 < terms.length; i++) out.push(`${terms[i]} ${terms[i + 1]}`);
  return out;
}
