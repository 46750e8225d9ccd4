import { seededRandom } from '../src/engine/random';
import { Submission } from '../src/engine/types';

/**
 * Answers that read like a class's (whole sentences of 8-30 words on a few topics), for
 * measuring the sentence model, whose cost depends on the length and kind of words.
 */
const OPENERS = [
  'I think',
  'In my opinion',
  'Our class believes that',
  'The best idea is that',
  'My family noticed that',
  'It seems to me that',
  'We learned that',
];
const CLAUSES: Record<string, string[]> = {
  energy: [
    'solar panels on the school roof would lower the electricity bill',
    'wind turbines near the coast could power thousands of homes',
    'batteries let us keep the sunshine for the evening',
    'switching off lights and computers saves a surprising amount of power',
  ],
  transport: [
    'free buses would take many cars off the road',
    'safe bike lanes make cycling to school much easier',
    'a tram line through the town centre would cut traffic jams',
    'walking together in groups is healthier than being driven',
  ],
  food: [
    'the canteen should serve more vegetables and less meat',
    'a school garden could grow beans and tomatoes for lunch',
    'local farmers can deliver fresh fruit every week',
    'leftover food should be composted instead of thrown away',
  ],
  water: [
    'short showers and fixed leaks save a lot of water',
    'rain tanks could water the school garden during dry summers',
    'rivers stay cleaner when fewer chemicals go down the drain',
    'drinking tap water avoids buying plastic bottles',
  ],
};
const LINKS = ['and', 'because', 'so', 'while', 'although', 'which means'];
const TOPIC_NAMES = Object.keys(CLAUSES);

function sentence(random: () => number, topic: string, maxWords: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const words = `${pick(OPENERS)} ${pick(CLAUSES[topic])}`.split(' ');
  while (words.length < maxWords) words.push(pick(LINKS), ...pick(CLAUSES[topic]).split(' '));
  const text = words.slice(0, maxWords).join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/** `n` answers of `minWords`..`maxWords` words (8-30: a realistic class), reproducible. */
export function realisticClass(n: number, minWords = 8, maxWords = 30, seed = 3): Submission[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = minWords + Math.floor(random() * (maxWords - minWords + 1));
    return {
      name: `student${String(i).padStart(6, '0')}@school.edu`,
      text: sentence(random, TOPIC_NAMES[i % TOPIC_NAMES.length], words),
    };
  });
}

/** Answers at the 20,000-character limit: many sentences, each answer different. */
export function limitLengthClass(n: number, chars = 20_000, seed = 4): Submission[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const parts: string[] = [];
    let length = 0;
    while (length < chars) {
      const s = sentence(random, TOPIC_NAMES[(i + parts.length) % TOPIC_NAMES.length], 24);
      parts.push(s);
      length += s.length + 1;
    }
    return {
      name: `student${String(i).padStart(6, '0')}@school.edu`,
      text: parts.join(' ').slice(0, chars),
    };
  });
}
