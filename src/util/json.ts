import { readFileSync } from 'node:fs';

/** A JSON file's content, or null when it is missing or not valid JSON (a run killed mid-write). */
export function readJsonOrNull<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
