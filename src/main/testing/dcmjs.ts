/* eslint-disable @typescript-eslint/no-explicit-any -- dcmjs datasets are untyped trees that tests walk by keyword */
import { readFileSync } from 'node:fs';
import dcmjs from 'dcmjs';

/** dcmjs as the independent reader for tests: the raw naturalized dataset, no code of ours involved. */
export function dcmjsRead(file: string): Record<string, any> {
  const bytes = readFileSync(file);
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Record<string, any>;
}
