/**
 * The runtime's custom tfjs layers (WeightedSum, MultiHeadAttention) for test harnesses, keyed by the factory
 * name `tfjsLayer()` uses, or null with the reason when runtime/layers does not provide them.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CustomLayerClass } from './tfjs-model.ts';

const NAMES = ['WeightedSum', 'MultiHeadAttention'] as const;

export async function loadRuntimeLayers(): Promise<{ layers: Record<string, CustomLayerClass> | null; reason: string }> {
  const file = fileURLToPath(new URL('../../runtime/layers/index.ts', import.meta.url));
  if (!fs.existsSync(file)) return { layers: null, reason: 'runtime/layers/index.ts does not exist yet' };
  const mod = (await import(file)) as Record<string, unknown>;
  const ns = (mod.layers as Record<string, unknown> | undefined) ?? mod;
  const layers: Record<string, CustomLayerClass> = {};
  for (const name of NAMES) {
    const cls = ns[name] ?? ns[`Mmf${name}`];
    if (typeof cls !== 'function') return { layers: null, reason: `runtime/layers/index.ts exports no ${name}` };
    layers[name] = cls as CustomLayerClass;
  }
  return { layers, reason: '' };
}
