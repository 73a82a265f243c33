/**
 * Saving and loading tfjs LayersModels on the local file system without tfjs-node.
 *
 * `@tensorflow/tfjs` alone has no `file://` handler (tfjs-node registers one). These functions write and
 * read the same layout tfjs-node's `file://` handler and `tf.loadLayersModel` use:
 *   <dir>/model.json   { modelTopology, format: 'layers-model', generatedBy, convertedBy,
 *                        weightsManifest: [{ paths: ['weights.bin'], weights: [...weightSpecs] }],
 *                        trainingConfig?, userDefinedMetadata?, modelInitializer? }
 *   <dir>/weights.bin  all weights, concatenated in weightSpecs order (little-endian float32/int32)
 * so the files also load with tfjs-node (`file://<dir>/model.json`) and in the browser over HTTP.
 *
 * Writes are atomic: each file goes to a temporary name in the same directory and is renamed over the
 * final name (rename(2) is atomic within one file system); weights.bin is written before model.json, so
 * a model.json on disk always refers to complete weights. Importing this module registers mmf's custom
 * layers, so models using them load.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from './backend.ts';
import './layers/index.ts';

const tf = getTf();

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Distinguishes the temporary files of one process (with the pid and the time in their names). */
let tmpCounter = 0;

/**
 * Write `data` to `file` atomically (temporary file in the same directory, then rename).
 *
 * The temporary name is unique by pid, time and a per-process counter; it does not call `Math.random`, because
 * training replaces `Math.random` with the seeded generator that draws initial weights and dropout masks
 * (train/seed.ts): a write during training must not shift that sequence, or a run that writes a log (a single
 * model's `mmfc train`) and one that does not (an ensemble's member) would train differently from the same seed.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.${(tmpCounter++).toString(36)}.tmp`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data == null) return new Uint8Array(0);
  const buf = Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
  return new Uint8Array(buf);
}

/**
 * Save `model` (topology, weights, training config) to `dir` as model.json + weights.bin, creating
 * `dir` if needed. Returns tfjs's SaveResult.
 */
export async function saveModel(model: tfjs.LayersModel, dir: string): Promise<tfjs.io.SaveResult> {
  await fs.mkdir(dir, { recursive: true });
  return model.save(
    tf.io.withSaveHandler(async (artifacts: tfjs.io.ModelArtifacts) => {
      const weights = joinWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
      const json: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
      await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);
      await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Read the ModelArtifacts of a model saved by {@link saveModel} (or tfjs-node's `file://`). */
export async function loadModelArtifacts(dir: string): Promise<tfjs.io.ModelArtifacts> {
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')) as tfjs.io.ModelJSON;
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tfjs.io.WeightsManifestEntry[] = [];
    const parts: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const file = path.resolve(dir, p);
        if (path.relative(dir, file).startsWith('..')) throw new Error(`weights path ${p} leaves the model directory`);
        const b = await fs.readFile(file);
        parts.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
      }
      specs.push(...group.weights);
    }
    return [specs, tf.io.CompositeArrayBuffer.join(parts)];
  });
}

/** Load a LayersModel saved by {@link saveModel}; mmf's custom layers are registered by this module. */
export async function loadModel(dir: string): Promise<tfjs.LayersModel> {
  const artifacts = await loadModelArtifacts(dir);
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
