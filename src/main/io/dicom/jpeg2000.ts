/** Lossless/lossy JPEG 2000 frames through OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ApiError } from '../../../shared/errors';
import openJpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';

type OpenJpeg = Awaited<ReturnType<typeof openJpegFactory>>;

export interface DecodedJ2k {
  width: number;
  height: number;
  /** Samples as stored: unsigned or signed per the codestream, 8 or 16 bits wide. */
  samples: Uint8Array | Uint16Array | Int16Array;
}

let decoderModule: Promise<OpenJpeg> | undefined;

function openJpeg(): Promise<OpenJpeg> {
  decoderModule ??= loadOpenJpeg().catch((err: unknown) => {
    decoderModule = undefined;
    throw new ApiError('unavailable', `The JPEG 2000 decoder (@cornerstonejs/codec-openjpeg) cannot be loaded: ${err instanceof Error ? err.message : String(err)}`);
  });
  return decoderModule;
}

async function loadOpenJpeg(): Promise<OpenJpeg> {
  // Bundled, the JS glue cannot find its wasm beside itself: resolve the package from where this code runs.
  const wasm = readFileSync(createRequire(__filename).resolve('@cornerstonejs/codec-openjpeg/decodewasm'));
  return openJpegFactory({ wasmBinary: wasm, print: () => {}, printErr: () => {} });
}

export async function decodeJpeg2000(codestream: Uint8Array): Promise<DecodedJ2k> {
  const decoder = new (await openJpeg()).J2KDecoder();
  try {
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.componentCount !== 1) throw new Error(`${info.componentCount} colour components, expected 1`);
    const decoded = decoder.getDecodedBuffer();
    // The decoded buffer lives in wasm memory and is reused by the next decode: copy it out.
    const bytes = decoded.slice();
    const samples =
      info.bitsPerSample <= 8
        ? bytes
        : info.isSigned
          ? new Int16Array(bytes.buffer, 0, bytes.length / 2)
          : new Uint16Array(bytes.buffer, 0, bytes.length / 2);
    return { width: info.width, height: info.height, samples };
  } finally {
    decoder.delete();
  }
}
