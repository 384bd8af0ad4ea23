/**
 * What Gemini charges, per model, in US dollars per million tokens: input
 * (text, image, video; audio where it costs more), cached input, output
 * (thinking is billed as output), the dearer tier above 200,000 prompt
 * tokens where a model has one, cache storage per hour, and the Batch API's
 * discount. The deployment may replace or add models with `GEMINI_PRICES`
 * (JSON, checked here); models Google has shut down are listed apart, so a
 * request for one is answered with the current ones.
 *
 * The figures are Google's published list prices as best known on
 * `PRICES_READ_ON`. Google's price pages (`PRICES_SOURCE`) could not be read
 * from the machine this was written on, so they were NOT re-read on that
 * date: check them, and set `GEMINI_PRICES` where they differ.
 * @module
 */
import { z } from "zod";

/** Where the figures come from. */
export const PRICES_SOURCE = "https://ai.google.dev/gemini-api/docs/pricing";
/** When they were written down; see the module comment: the page itself could not be re-read then. */
export const PRICES_READ_ON = "2026-12-07";

const usdPerMillion = (what: string) =>
  z
    .number({ error: `${what} must be a number of US dollars per million tokens` })
    .finite()
    .min(0, `${what} must not be negative`);

const tierShape = {
  inputPerMillion: usdPerMillion("inputPerMillion"),
  /** The audio track's input, where it costs more than text, image and video (Flash models). */
  audioInputPerMillion: usdPerMillion("audioInputPerMillion").optional(),
  cachedInputPerMillion: usdPerMillion("cachedInputPerMillion"),
  /** The answer and the model's thinking. */
  outputPerMillion: usdPerMillion("outputPerMillion")
};

const modelPriceSchema = z.strictObject({
  ...tierShape,
  /** The dearer rates for a prompt of more than `aboveTokens` tokens (the whole call is billed at them). */
  longContext: z.strictObject({ aboveTokens: z.number().int().positive(), ...tierShape }).optional(),
  /** An explicit context cache's storage, per million cached tokens per hour. */
  cacheStoragePerMillionPerHour: usdPerMillion("cacheStoragePerMillionPerHour"),
  /** The Batch API's discount, a fraction of the price (0.5: half price). */
  batchDiscount: z.number().min(0).max(1).default(0.5)
});

/** One model's prices (see the module comment). */
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** The shape of `GEMINI_PRICES`: model names to their prices. */
export const pricesOverrideSchema = z.record(z.string().min(1), modelPriceSchema);

export interface PriceTable {
  models: Readonly<Record<string, ModelPrice>>;
  /** Where each figure came from: the built-in table's source and date, and whether GEMINI_PRICES changed it. */
  source: string;
}

const PRO: ModelPrice = {
  inputPerMillion: 2,
  cachedInputPerMillion: 0.2,
  outputPerMillion: 12,
  longContext: { aboveTokens: 200_000, inputPerMillion: 4, cachedInputPerMillion: 0.4, outputPerMillion: 18 },
  cacheStoragePerMillionPerHour: 4.5,
  batchDiscount: 0.5
};
const FLASH: ModelPrice = {
  inputPerMillion: 0.5,
  audioInputPerMillion: 1,
  cachedInputPerMillion: 0.05,
  outputPerMillion: 3,
  cacheStoragePerMillionPerHour: 1,
  batchDiscount: 0.5
};
const FLASH_LITE: ModelPrice = {
  inputPerMillion: 0.25,
  audioInputPerMillion: 0.5,
  cachedInputPerMillion: 0.025,
  outputPerMillion: 1.5,
  cacheStoragePerMillionPerHour: 1,
  batchDiscount: 0.5
};

/** The built-in table: the current Gemini 3.x models and the `-latest` aliases that follow them. */
export const DEFAULT_PRICES: PriceTable = {
  models: {
    "gemini-flash-latest": FLASH,
    "gemini-3-flash-preview": FLASH,
    "gemini-flash-lite-latest": FLASH_LITE,
    "gemini-3.1-flash-lite-preview": FLASH_LITE,
    "gemini-pro-latest": PRO,
    "gemini-3-pro-preview": PRO,
    "gemini-3.1-pro-preview": PRO,
    "gemini-2.5-flash-lite": {
      inputPerMillion: 0.1,
      audioInputPerMillion: 0.3,
      cachedInputPerMillion: 0.01,
      outputPerMillion: 0.4,
      cacheStoragePerMillionPerHour: 1,
      batchDiscount: 0.5
    }
  },
  source: `${PRICES_SOURCE} as known on ${PRICES_READ_ON} (not re-read that day)`
};

/** Models Google has shut down: their names (and their previews') and the day. */
export const RETIRED_MODELS: readonly { names: readonly string[]; label: string; retiredOn: string }[] = [
  { names: ["gemini-2.5-flash", "gemini-2.5-pro"], label: "Gemini 2.5 Flash and Pro", retiredOn: "2026-12-01" }
];

/** A bad `GEMINI_PRICES`, with what is wrong in words. */
export interface PricesError {
  error: string;
}

/** The built-in table with `GEMINI_PRICES` (JSON) laid over it, or what is wrong with the setting. */
export function readPrices(json: string | undefined): PriceTable | PricesError {
  if (json === undefined || json.trim() === "") return DEFAULT_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return {
      error: `GEMINI_PRICES is not valid JSON (${error instanceof Error ? error.message : String(error)}). It maps model names to prices, such as {"gemini-flash-latest": {"inputPerMillion": 0.5, "cachedInputPerMillion": 0.05, "outputPerMillion": 3, "cacheStoragePerMillionPerHour": 1}}.`
    };
  }
  const parsed = pricesOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(the whole value)"}: ${issue.message}`);
    return { error: `GEMINI_PRICES is not a valid price table: ${problems.join("; ")}.` };
  }
  return {
    models: { ...DEFAULT_PRICES.models, ...parsed.data },
    source: `${DEFAULT_PRICES.source}, with GEMINI_PRICES for ${Object.keys(parsed.data).join(", ")}`
  };
}

const bareName = (model: string) => model.replace(/^models\//, "");

/** The model's prices: by its exact name, or by the longest listed name it extends (`gemini-3-flash-preview-11-2026`). */
export function priceFor(model: string, table: PriceTable): ModelPrice | undefined {
  const name = bareName(model);
  const exact = table.models[name];
  if (exact) return exact;
  const stem = Object.keys(table.models)
    .filter((listed) => name.startsWith(`${listed}-`))
    .sort((a, b) => b.length - a.length)[0];
  return stem === undefined ? undefined : table.models[stem];
}

/** The current models, as the price table lists them. */
export function currentModels(table: PriceTable): string[] {
  return Object.keys(table.models).filter((model) => retiredModel(model) === undefined);
}

function retiredModel(model: string): (typeof RETIRED_MODELS)[number] | undefined {
  const name = bareName(model);
  return RETIRED_MODELS.find((retired) => retired.names.some((old) => name === old || name.startsWith(`${old}-preview`)));
}

/** For a model Google has shut down, a sentence saying so and naming the current ones; undefined for any other. */
export function retiredModelMessage(model: string, table: PriceTable = DEFAULT_PRICES): string | undefined {
  const retired = retiredModel(model);
  if (!retired) return undefined;
  return `${bareName(model)} is no longer served: Google shut down ${retired.label} on ${retired.retiredOn}. Use a current model, such as ${currentModels(table).join(", ")}.`;
}
