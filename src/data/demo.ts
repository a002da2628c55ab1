/**
 * The embedded demo dataset: synthetic, deterministic interactions with planted tastes, so `recwise demo` runs
 * anywhere with no download and no MovieLens (whose licence forbids redistribution, ../shared/data/README.md).
 *
 * How it is made (all from one seeded PRNG, so the same seed gives the same rows on every runtime):
 * - 8 genres × 50 items = 400 items, ids 1..400, titled "Sci-Fi #12". Each item has a popularity drawn from a
 *   Zipf-like law over a global random order, so a few items are hits everywhere.
 * - 600 users, ids 1..600. Each has 1 or 2 favourite genres and 12..60 interactions: with probability
 *   `taste` (0.8) an item from a favourite genre (weighted by popularity within the genre), otherwise an item from
 *   the whole catalogue (weighted by global popularity: the "noise" a popularity baseline can exploit).
 * - A user never repeats an item; timestamps increase per user (one day apart, from 2024-01-01 UTC).
 * A personalised model can learn the genres and beat popularity by a wide margin; popularity still scores above
 * random because of the popularity-weighted noise.
 */
import { InvalidArgumentError } from '../errors.ts';
import { mulberry32 } from '../models/random.ts';

/** One demo interaction (weight is 1..5, a rating-like strength; the CLI trains on it as implicit feedback). */
export interface DemoRecord {
  user: number;
  item: number;
  weight: number;
  timestamp: number;
}

/** A demo catalogue entry. */
export interface DemoItem {
  id: number;
  title: string;
  genre: string;
}

/** What {@link demoDataset} returns. */
export interface DemoDataset {
  records: DemoRecord[];
  items: DemoItem[];
  genres: readonly string[];
  /** Each user's favourite genres (the planted truth, for explaining results). */
  favourites: Map<number, string[]>;
}

/** Options of {@link demoDataset}. */
export interface DemoOptions {
  /** PRNG seed (default 42). */
  seed?: number;
  /** Number of users (default 600). */
  users?: number;
  /** Share of a user's interactions drawn from their favourite genres (default 0.8). */
  taste?: number;
}

export const DEMO_GENRES = ['Sci-Fi', 'Drama', 'Comedy', 'Horror', 'Romance', 'Documentary', 'Animation', 'Thriller'] as const;
const ITEMS_PER_GENRE = 50;
const START = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;

/** Index drawn from cumulative weights `cum` (last entry = total). */
function draw(cum: Float64Array, rand: () => number): number {
  const x = rand() * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => (out[i] = s += w));
  return out;
}

/**
 * Build the demo dataset.
 *
 * @example
 * ```ts
 * import { demoDataset } from 'recwise/testing';
 * const { records, items } = demoDataset();      // ~20k interactions, 600 users, 400 items
 * records[0];                                    // { user: 1, item: 57, weight: 4, timestamp: 1704067200 }
 * items[56].title;                               // e.g. 'Drama #7'
 * ```
 */
export function demoDataset(options: DemoOptions = {}): DemoDataset {
  const seed = options.seed ?? 42;
  const nUsers = options.users ?? 600;
  const taste = options.taste ?? 0.8;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  if (!(Number.isInteger(nUsers) && nUsers >= 1)) throw new InvalidArgumentError('users', nUsers, 'an integer >= 1');
  if (!(taste >= 0 && taste <= 1)) throw new InvalidArgumentError('taste', taste, 'a number in [0, 1]');
  const rand = mulberry32(seed);

  const items: DemoItem[] = [];
  for (let g = 0; g < DEMO_GENRES.length; g++) {
    for (let n = 1; n <= ITEMS_PER_GENRE; n++) items.push({ id: items.length + 1, title: `${DEMO_GENRES[g]} #${n}`, genre: DEMO_GENRES[g] });
  }
  // Popularity: Zipf (exponent 0.9) over a random global order.
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const popularity = new Array<number>(items.length);
  order.forEach((itemIndex, rank) => (popularity[itemIndex] = 1 / (rank + 1) ** 0.9));
  const globalCum = cumulative(popularity);
  // Within a favourite genre, taste matters more than hype: popularity is flattened (square root) there.
  const genreCum = DEMO_GENRES.map((_, g) => cumulative(popularity.slice(g * ITEMS_PER_GENRE, (g + 1) * ITEMS_PER_GENRE).map(Math.sqrt)));

  const records: DemoRecord[] = [];
  const favourites = new Map<number, string[]>();
  for (let u = 1; u <= nUsers; u++) {
    const first = Math.floor(rand() * DEMO_GENRES.length);
    const favs = [first];
    if (rand() < 0.5) favs.push((first + 1 + Math.floor(rand() * (DEMO_GENRES.length - 1))) % DEMO_GENRES.length);
    favourites.set(u, favs.map((g) => DEMO_GENRES[g]));
    const count = 12 + Math.floor(rand() * 49);
    const seen = new Set<number>();
    for (let attempts = 0; seen.size < count && attempts < count * 20; attempts++) {
      let index: number;
      let liked: boolean;
      if (rand() < taste) {
        const g = favs[Math.floor(rand() * favs.length)];
        index = g * ITEMS_PER_GENRE + draw(genreCum[g], rand);
        liked = true;
      } else {
        index = draw(globalCum, rand);
        liked = favs.includes(Math.floor(index / ITEMS_PER_GENRE));
      }
      if (seen.has(index)) continue;
      seen.add(index);
      const weight = liked ? 4 + Math.floor(rand() * 2) : 1 + Math.floor(rand() * 3);
      records.push({ user: u, item: index + 1, weight, timestamp: START + seen.size * DAY });
    }
  }
  return { records, items, genres: DEMO_GENRES, favourites };
}
