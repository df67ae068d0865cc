/**
 * OpenAPI 3 pieces. Each route module exports the path items it serves (`OpenApiPaths`), next to
 * its code, and `openapi-document.ts` merges them into the document served at
 * /api/v1/openapi.json: the description lives where the endpoint does.
 */
export type OpenApiObject = Record<string, unknown>;

/** `{ '/api/v1/vessels': { get: {...}, post: {...} } }` */
export type OpenApiPaths = Record<string, Record<string, OpenApiObject>>;
