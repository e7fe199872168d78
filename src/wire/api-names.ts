import { ALL_APIS } from './messages/index.js';

/** API key → Kafka's API name (metrics labels, logs). */
export const API_NAMES: Readonly<Record<number, string>> = Object.fromEntries(ALL_APIS.map((api) => [api.apiKey, api.name]));
