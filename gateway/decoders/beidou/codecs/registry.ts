import type { ContentEncoding, PayloadCodec } from '../types.js';
import { createA225Codec } from './a225.js';
import { createApp90Codec } from './app90.js';
import { type Bf01Options, createBf01Codec } from './bf01.js';
import { createTrackCodec } from './track.js';

/**
 * The payload codecs a deployment knows, and which terminal model uses which. Content formats
 * are vendor-defined (brief §1.2.4), so the vessel registry's terminal model picks the codec
 * first; magic bytes decide only when the model is unknown or its codec does not recognise the
 * bytes (a text message from the same terminal, say). An object the caller owns and passes in.
 */
export class CodecRegistry {
  private readonly list: PayloadCodec[] = [];
  private readonly models = new Map<string, string>();

  constructor(codecs: Iterable<PayloadCodec> = [], models: Readonly<Record<string, string>> = {}) {
    for (const c of codecs) this.register(c);
    for (const [model, id] of Object.entries(models)) this.bindModel(model, id);
  }

  /** Add a codec, replacing one with the same id (keeps its place in the magic-byte order). */
  register(codec: PayloadCodec): this {
    const i = this.list.findIndex((c) => c.id === codec.id);
    if (i >= 0) this.list[i] = codec;
    else this.list.push(codec);
    return this;
  }

  /** Terminal model (as the vessel registry spells it; case and surrounding spaces ignored) → codec id. */
  bindModel(model: string, codecId: string): this {
    this.models.set(modelKey(model), codecId);
    return this;
  }

  unbindModel(model: string): this {
    this.models.delete(modelKey(model));
    return this;
  }

  get(id: string): PayloadCodec | undefined {
    return this.list.find((c) => c.id === id);
  }

  /** Codec id bound to a terminal model. */
  codecIdFor(model: string): string | undefined {
    return this.models.get(modelKey(model));
  }

  get ids(): string[] {
    return this.list.map((c) => c.id);
  }

  /** The codec for this content: the model's codec if it recognises the bytes, else the first whose magic matches. */
  select(bytes: Uint8Array, encoding: ContentEncoding, terminalModel?: string): PayloadCodec | undefined {
    if (terminalModel !== undefined) {
      const id = this.models.get(modelKey(terminalModel));
      const bound = id === undefined ? undefined : this.get(id);
      if (bound && accepts(bound, bytes, encoding)) return bound;
    }
    for (const c of this.list) if (accepts(c, bytes, encoding)) return c;
    return undefined;
  }
}

function modelKey(model: string): string {
  return model.trim().toUpperCase();
}

function accepts(codec: PayloadCodec, bytes: Uint8Array, encoding: ContentEncoding): boolean {
  if (codec.encodings !== undefined && !codec.encodings.includes(encoding)) return false;
  try {
    return codec.match(bytes);
  } catch {
    return false; // a plug-in codec must not take the decoder down
  }
}

export interface DefaultRegistryOptions {
  bf01?: Bf01Options;
  /** Terminal model → codec id. */
  models?: Readonly<Record<string, string>>;
}

/** A fresh registry with the built-in codecs: `bf01`, `a225`, `track-d`, `app-90`. */
export function defaultCodecRegistry(options: DefaultRegistryOptions = {}): CodecRegistry {
  return new CodecRegistry([createBf01Codec(options.bf01), createA225Codec(), createTrackCodec(), createApp90Codec()], options.models);
}
