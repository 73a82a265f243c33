/**
 * Trains every ensemble of examples/spam/ensembles.mmf with `mmfc train --model NAME` into out/spam-ensembles/NAME
 * (each also exported as one ONNX graph and checked against tfjs), then prints the table published in
 * examples/spam/README.md: each ensemble, its members and the best single model on the test split.
 * Usage: npx tsx examples/spam/ensembles.ts [--table-only] [other mmfc train options, e.g. --resume]
 * Takes about half an hour on 2 busy cores (a few epochs per member, early stopping).
 */
import { trainAndTabulate } from '../ensemble-table.ts';

console.log('\n' + trainAndTabulate('examples/spam/ensembles.mmf', ['SoftVote', 'HardVote', 'BodyBag', 'HeaderBoost', 'Stack'], 'out/spam-ensembles', process.argv.slice(2)));
