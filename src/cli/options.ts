/**
 * Config flags shared by the commands that resolve a config (train, sweep): each flag is a
 * config path, validated by the schema so `--depth abc` and `--set model.depth=abc` read alike.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { FIELDS, checkField, loadConfigFile, parseSet, resolveConfig, type ResolvedConfig } from '../config/index.js';
import { UserError } from '../errors.js';
import { clip } from '../util/strings.js';

/** flag name → config path. Order is the order in --help. */
export const CONFIG_FLAGS: Array<[flag: string, path: string, placeholder: string]> = [
  ['model', 'model.type', 'type'],
  ['depth', 'model.depth', 'n'],
  ['width', 'model.width', 'n'],
  ['activation', 'model.activation', 'name'],
  ['gate-bias', 'model.gateBias', 'b'],
  ['carry', 'model.carry', 'mode'],
  ['init', 'model.init', 'name'],
  ['dataset', 'dataset.name', 'name'],
  ['train-size', 'dataset.trainSize', 'n'],
  ['test-size', 'dataset.testSize', 'n'],
  ['epochs', 'train.epochs', 'n'],
  ['batch-size', 'train.batchSize', 'n'],
  ['optimizer', 'train.optimizer', 'name'],
  ['lr', 'train.lr', 'rate'],
  ['momentum', 'train.momentum', 'm'],
  ['decay', 'train.decay', 'factor'],
  ['seed', 'train.seed', 'n'],
  ['clip-norm', 'train.clipNorm', 'max'],
  ['weight-decay', 'train.weightDecay', 'wd'],
  ['backend', 'backend', 'name'],
];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function helpFor(path: string): string {
  const spec = FIELDS[path]!;
  const choices = spec.kind === 'enum' ? ` (${spec.values.join('|')})` : '';
  const def = spec.default === null ? '' : ` [default: ${JSON.stringify(spec.default)}]`;
  return `${spec.help}${choices}${def}`;
}

export function addConfigOptions(cmd: Command): Command {
  cmd.option('-c, --config <file>', 'JSON config file with sections name, backend, dataset, model, train');
  for (const [flag, path, ph] of CONFIG_FLAGS) cmd.addOption(new Option(`--${flag} <${ph}>`, helpFor(path)));
  cmd.option('--analyze', `${FIELDS['train.analyze']!.help} (train.analyze)`);
  cmd.option(
    '--set <path=value>',
    'set any config field, e.g. --set model.carryBias=1 (repeatable)',
    (v: string, acc: string[]) => [...acc, v],
    [] as string[],
  );
  return cmd;
}

/** Resolve [base →] file → --set → flags (later wins), every value checked against the schema. */
export function resolveFromOptions(
  opts: Record<string, unknown>,
  extraTopLevel: readonly string[] = [],
  base: Map<string, unknown> = new Map(),
): { cfg: ResolvedConfig; file: Map<string, unknown> } {
  const file = typeof opts.config === 'string' ? loadConfigFile(opts.config, extraTopLevel) : new Map<string, unknown>();
  const sets = new Map(((opts.set as string[] | undefined) ?? []).map(parseSet));
  const flags = new Map<string, unknown>();
  if (opts.analyze === true) flags.set('train.analyze', true);
  for (const [flag, path] of CONFIG_FLAGS) {
    const raw = opts[camel(flag)];
    if (raw === undefined) continue;
    const [, value] = parseSet(`${path}=${String(raw)}`);
    try {
      flags.set(path, checkField(path, value));
    } catch (e) {
      throw new UserError(`--${flag}: ${(e as Error).message.replace(`${path}: `, '')}`);
    }
  }
  return { cfg: resolveConfig(base, file, sets, flags), file };
}

/**
 * commander parser for an integer option from 1 to `max` (exit 2 with the option's name otherwise).
 * Every numeric flag has an upper bound: past it a value only breaks something later (timers
 * overflow at 2^31 ms: `--lock-seconds 10000000` made Node warn on every lock renewal).
 */
export function positiveInt(name: string, max: number) {
  return (v: string): number => {
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new UserError(`${name}: expected an integer from 1 to ${max.toLocaleString('en-US')}, got "${clip(v)}"`);
    }
    return n;
  };
}

/** commander parser for a folder option: an empty one (`--out ''`, an unset shell variable) is refused before anything starts. */
export function folderArg(name: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new UserError(`${name}: expected a folder, got an empty name`);
    return v;
  };
}

/** Most runs at a time any machine could use (each is a process). */
export const MAX_JOBS = 256;

/** `--jobs` of `sweep` and `worker`: runs at a time, 1 to MAX_JOBS, the CPU count by default. */
export const jobsOption = () =>
  new Option('-j, --jobs <n>', 'runs at a time, each in its own process')
    .argParser(positiveInt('--jobs', MAX_JOBS))
    .default(availableParallelism(), 'the CPU count');
