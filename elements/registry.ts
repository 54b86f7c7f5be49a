/** The elements Pollster supports, by key. */
import type { ElementKey } from '../core/settings';
import type { ElementAdapter } from './types';
import { httpElement } from './http';
import { sageCrmElement } from './sagecrm';
import { connectWiseElement } from './connectwisecrmrest';
import { sageOneElement } from './sageone';
import { maximizerElement } from './maximizer';

const adapters: Partial<Record<ElementKey, ElementAdapter>> = {
  sagecrm: sageCrmElement,
  connectwisecrmrest: connectWiseElement,
  sageone: sageOneElement,
  maximizer: maximizerElement,
  http: httpElement,
};

export function elementAdapter(key: string): ElementAdapter | undefined {
  return Object.hasOwn(adapters, key) ? adapters[key as ElementKey] : undefined;
}

export function allElements(): ElementAdapter[] {
  return Object.values(adapters);
}
