/**
 * A wrong-way import for src/main/layering.test.ts, which lints this text as if it were a file of the store. Here in
 * testing/ (exempt from the layering rule) it is harmless; in store/ it must fail the lint.
 */
import { createApp } from '../app';

export const storeOpensTheApp = createApp;
