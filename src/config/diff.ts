/**
 * The dotted paths at which two configs (or any two JSON values) differ: what a resume refuses
 * to mix (`highway train --resume` with other settings, `highway sweep --resume` after the config
 * was edited).
 */
export function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(the whole value)'];
}

/** "model.depth (50 → 20), train.lr (0.1 → 0.05)": the differences, each with both values (cut short). */
export function describeDifferences(paths: string[], before: unknown, after: unknown): string {
  const at = (v: unknown, path: string) =>
    path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), v);
  const show = (v: unknown) => {
    const s = v === undefined ? 'unset' : JSON.stringify(v);
    return s.length > 40 ? `${s.slice(0, 37)}...` : s;
  };
  return paths.map((p) => `${p} (${show(at(before, p))} → ${show(at(after, p))})`).join(', ');
}
