/** The elements Pollster supports, by key. */
import type { ElementKey } from '../core/config';
import type { ElementAdapter } from './types';
import { httpElement } from './http';

const adapters: Partial<Record<ElementKey, ElementAdapter>> = {
  http: httpElement,
};

export function elementAdapter(key: string): ElementAdapter | undefined {
  return adapters[key as ElementKey];
}

export function allElements(): ElementAdapter[] {
  return Object.values(adapters);
}
