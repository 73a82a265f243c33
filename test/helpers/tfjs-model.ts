/**
 * Instantiate an IRModel in tfjs exactly as `tfjsLayer(node)` describes it (tf.layers[name](config), or the
 * runtime custom layer class), wire the DAG, and load a WeightMap. The generated training code and this
 * harness use the same descriptions, so parity tests against ONNX cover what users actually train.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { IRModel, WeightMap } from '../../compiler/ir.ts';
import { tfjsLayer, type TfjsLayerDesc } from '../../compiler/emit/tfjs/layers.ts';

type Tf = typeof tfjs;
/** A runtime custom layer class, constructed with the layer config. */
export type CustomLayerClass = new (config: Record<string, unknown>) => tfjs.layers.Layer;

/**
 * Build the tfjs LayersModel of `model`: inputs in `model.inputs` order (int32 ids stay int32), output the head
 * node (a multi-task model: every head's node, in order). `custom` supplies the runtime classes for `{ ns: 'mmf' }` factories. With `weights`, every node's
 * weights are set (tfjs layout, WeightSpec order).
 */
export function buildTfjsModel(model: IRModel, tf: Tf, weights?: WeightMap, custom: Record<string, CustomLayerClass> = {}): tfjs.LayersModel {
  const values = new Map<string, tfjs.SymbolicTensor>();
  const inputs = model.inputs.map((i) => {
    const shape = i.out.shape.slice(1).map((d) => (typeof d === 'number' ? d : null));
    const x = tf.input({ shape, dtype: i.out.dtype, name: i.name });
    values.set(i.name, x);
    return x;
  });
  const layers = new Map<string, tfjs.layers.Layer>();
  /** A layer from its description; a wrapper (timeDistributed) gets its wrapped layer as `layer`. */
  const instantiate = (desc: TfjsLayerDesc, id: string): tfjs.layers.Layer => {
    const config = desc.wrapped ? { ...desc.config, layer: instantiate(desc.wrapped, id) } : desc.config;
    if (desc.factory.ns === 'tf') {
      const make = (tf.layers as unknown as Record<string, (c: unknown) => tfjs.layers.Layer>)[desc.factory.name];
      if (!make) throw new Error(`tf.layers.${desc.factory.name} does not exist (node '${id}')`);
      return make(config);
    }
    const Cls = custom[desc.factory.name];
    if (!Cls) throw new Error(`runtime layer ${desc.factory.name} was not supplied (node '${id}')`);
    return new Cls(config);
  };
  for (const node of model.nodes) {
    // a layer of a shared encoder definition is its owner's layer object, applied again
    const layer = node.sharedWith ? layers.get(node.sharedWith)! : instantiate(tfjsLayer(node), node.id);
    const ins = node.inputs.map((id) => values.get(id)!);
    const out = layer.apply(ins.length === 1 ? ins[0]! : ins) as tfjs.SymbolicTensor;
    values.set(node.id, out);
    layers.set(node.id, layer);
  }
  const outputs = model.multitask ? model.multitask.heads.map((h) => values.get(h.output)!) : values.get(model.head.output)!;
  const tfModel = tf.model({ inputs, outputs, name: model.name });
  if (weights)
    for (const node of model.nodes) {
      if (node.weights.length === 0 || node.sharedWith) continue;
      const ws = weights.get(node.id)!;
      layers.get(node.id)!.setWeights(node.weights.map((spec, i) => tf.tensor(ws[i]!, spec.shape, 'float32')));
    }
  return tfModel;
}

/**
 * Save a LayersModel the way tfjs-node's file:// handler does (model.json with a weightsManifest and one
 * weights.bin), without needing tfjs-node.
 */
export async function saveTfjsModel(model: tfjs.LayersModel, tf: Tf, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(data));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
