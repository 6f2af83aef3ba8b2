// The part of dcmjs (which ships no types) that this folder uses.
declare module 'dcmjs' {
  type DicomElements = Record<string, { vr: string; Value: unknown[] }>;

  interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  class DicomDict {
    constructor(meta: DicomElements);
    meta: DicomElements;
    dict: DicomElements;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  const data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict };
    DicomMetaDictionary: {
      naturalizeDataset(dataset: DicomElements): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): DicomElements;
    };
    DicomDict: typeof DicomDict;
  };

  const log: { getLogger(name: string): { setLevel(level: 'silent' | 'error' | 'warn'): void } };

  const dcmjs: { data: typeof data; log: typeof log };
  export default dcmjs;
  export { data, log };
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  interface J2KDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    decode(): void;
    getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
    delete(): void;
  }
  interface OpenJpegModule {
    J2KDecoder: new () => J2KDecoder;
  }
  const factory: (module?: { wasmBinary?: Uint8Array; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<OpenJpegModule>;
  export default factory;
}
