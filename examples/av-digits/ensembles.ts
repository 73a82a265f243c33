/**
 * Trains every ensemble of examples/av-digits/ensembles.mmf into out/av-ensembles/NAME and prints the table of
 * members, ensembles and the best single model on the test split (voices unheard in training).
 * Usage: npx tsx examples/av-digits/ensembles.ts [--table-only] [other mmfc train options, e.g. --resume, --epochs N]
 * The table in examples/av-digits/ensembles.md was made with `--epochs 5` (about 15 minutes on two shared cores).
 */
import { trainAndTabulate } from '../ensemble-table.ts';

console.log('\n' + trainAndTabulate('examples/av-digits/ensembles.mmf', ['SoftVote', 'HardVote', 'ImageBag', 'AudioBoost', 'Stack', 'StackMlp'], 'out/av-ensembles', process.argv.slice(2)));
