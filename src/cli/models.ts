/**
 * Model families the CLI can train, by `--model` name. Later model issues add their entry here (with any flags
 * their hyperparameters need, merged into fit/eval's flag lists).
 */
import type { FlagSpec, FlagValues } from './args.ts';
import type { Recommender } from '../models/recommender.ts';
import { PopularityRecommender } from '../models/popularity.ts';

export interface CliModel {
  readonly summary: string;
  /** Extra flags for this family's hyperparameters. */
  readonly flags: readonly FlagSpec[];
  create(flags: FlagValues): Recommender;
}

export const CLI_MODELS: Readonly<Record<string, CliModel>> = {
  popularity: {
    summary: 'items ranked by how many training users interacted with them (the baseline)',
    flags: [{ name: 'weighted', type: 'boolean', help: 'popularity: score items by summed weights instead of user counts' }],
    create: (flags) => new PopularityRecommender({ weighted: flags.weighted === true }),
  },
};

export const MODEL_NAMES = Object.keys(CLI_MODELS);

/** Flags of every family (deduplicated by name), for fit/eval's flag lists. */
export function modelFlags(): FlagSpec[] {
  const seen = new Map<string, FlagSpec>();
  for (const m of Object.values(CLI_MODELS)) for (const f of m.flags) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

/** The model's epoch count for s/epoch (1 for one-pass models such as popularity). */
export function epochsOf(model: Recommender): number {
  const p = model.params as Record<string, unknown>;
  for (const k of ['epochs', 'iterations']) if (typeof p[k] === 'number' && (p[k] as number) > 0) return p[k] as number;
  return 1;
}
