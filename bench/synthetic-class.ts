import { seededRandom } from '../src/engine/random';
import { Submission } from '../src/engine/types';

/** Topic vocabularies for generated answers: each student writes mostly about one topic. */
const TOPICS: Record<string, string[]> = {
  energy: [
    'solar',
    'panel',
    'battery',
    'wind',
    'turbine',
    'electricity',
    'grid',
    'power',
    'roof',
    'sunshine',
  ],
  transport: [
    'bus',
    'bike',
    'train',
    'car',
    'traffic',
    'cycling',
    'tram',
    'road',
    'commute',
    'parking',
  ],
  food: [
    'vegetable',
    'meat',
    'canteen',
    'lunch',
    'farmer',
    'garden',
    'bean',
    'fruit',
    'waste',
    'compost',
  ],
  water: [
    'rain',
    'tap',
    'shower',
    'drought',
    'river',
    'tank',
    'leak',
    'drinking',
    'flood',
    'toilet',
  ],
  waste: [
    'plastic',
    'recycling',
    'bottle',
    'packaging',
    'bin',
    'landfill',
    'reuse',
    'straw',
    'bag',
    'litter',
  ],
  nature: [
    'tree',
    'forest',
    'bird',
    'insect',
    'bee',
    'park',
    'meadow',
    'species',
    'habitat',
    'flower',
  ],
  buildings: [
    'insulation',
    'heating',
    'window',
    'heat',
    'pump',
    'wall',
    'boiler',
    'draught',
    'thermostat',
    'energy',
  ],
  shopping: [
    'clothes',
    'fashion',
    'repair',
    'second-hand',
    'shop',
    'buy',
    'brand',
    'cheap',
    'quality',
    'market',
  ],
};
const FILLER = [
  'we',
  'should',
  'think',
  'school',
  'people',
  'more',
  'less',
  'because',
  'town',
  'every',
  'day',
  'could',
  'help',
  'make',
  'better',
];

export const SYNTHETIC_TOPICS = Object.keys(TOPICS);

/** `n` students, each writing 12-20 words mostly from one topic, reproducibly from `seed`. */
export function syntheticClass(n: number, seed = 7): (Submission & { topic: string })[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const topic = SYNTHETIC_TOPICS[i % SYNTHETIC_TOPICS.length];
    const words: string[] = [];
    const length = 12 + Math.floor(random() * 9);
    for (let w = 0; w < length; w++) {
      const r = random();
      words.push(
        r < 0.45
          ? pick(TOPICS[topic])
          : r < 0.55
            ? pick(TOPICS[pick(SYNTHETIC_TOPICS)])
            : pick(FILLER),
      );
    }
    const text = `${words.join(' ')}.`;
    return {
      name: `student${String(i).padStart(6, '0')}@school.edu`,
      text: text[0].toUpperCase() + text.slice(1),
      topic,
    };
  });
}
