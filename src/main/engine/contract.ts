/**
 * The ONNX contract between the training code and the app (issue 4): inputs image and x_t float32 [B,1,H,W],
 * t int64 [B]; outputs eps (and v when the model learns its variance) float32 [B,1,H,W]; dynamic batch.
 * Checked against the session's own metadata, so a model exported differently is refused before it samples.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelCard } from './card';

interface Expected {
  name: string;
  type: string;
  shape: (number | 'batch')[];
}

function expectations(card: ModelCard): { inputs: Expected[]; outputs: Expected[] } {
  const [h, w] = card.input.size;
  const map = (name: string): Expected => ({ name, type: 'float32', shape: ['batch', 1, h, w] });
  return {
    inputs: [map('image'), map('x_t'), { name: 't', type: 'int64', shape: ['batch'] }],
    outputs: card.learnedVariance ? [map('eps'), map('v')] : [map('eps')],
  };
}

const show = (shape: readonly (number | string)[]) => `[${shape.join(',')}]`;

function valueProblems(kind: 'input' | 'output', actual: readonly InferenceSession.ValueMetadata[], expected: Expected[]): string[] {
  const problems: string[] = [];
  const names = actual.map((m) => m.name);
  const missing = expected.filter((e) => !names.includes(e.name)).map((e) => `"${e.name}"`);
  if (missing.length) problems.push(`${kind}s are ${show(names)}, missing ${missing.join(', ')}`);
  const unexpected = kind === 'input' ? names.filter((n) => !expected.some((e) => e.name === n)) : [];
  if (unexpected.length) problems.push(`unexpected ${kind}s ${unexpected.map((n) => `"${n}"`).join(', ')}`);
  for (const e of expected) {
    const m = actual.find((a) => a.name === e.name);
    if (!m) continue;
    if (!m.isTensor) {
      problems.push(`${kind} "${e.name}" is not a tensor`);
      continue;
    }
    if (m.type !== e.type) problems.push(`${kind} "${e.name}" is ${m.type}, the contract needs ${e.type}`);
    if (m.shape.length === 0) continue; // shape not recorded in the file: the probe run checks it
    const fits =
      m.shape.length === e.shape.length &&
      e.shape.every((d, i) => (d === 'batch' ? typeof m.shape[i] === 'string' || (m.shape[i] as number) <= 0 : m.shape[i] === d));
    if (!fits) problems.push(`${kind} "${e.name}" has shape ${show(m.shape)}, the contract needs ${show(e.shape)} with a dynamic batch`);
  }
  return problems;
}

/** Every way the session's inputs and outputs differ from the contract (empty when they match). */
export function contractProblems(session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>, card: ModelCard): string[] {
  const want = expectations(card);
  return [...valueProblems('input', session.inputMetadata, want.inputs), ...valueProblems('output', session.outputMetadata, want.outputs)];
}
