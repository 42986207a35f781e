/**
 * A small HTTP client for the end-to-end scenarios: JSON in and out, bearer tokens, and the raw
 * response kept for assertions on status and content type.
 */
export type ApiResponse = {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** The parsed body for JSON content types; undefined otherwise. */
  readonly json: unknown;
};

export type RequestOptions = {
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Send Content-Type: application/json with a body unless `headers` names one; default true. */
  readonly defaultContentType?: boolean;
};

export type ApiClient = {
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
};

export function apiClient(baseUrl: string): ApiClient {
  return {
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (options.body !== undefined && options.defaultContentType !== false) headers['content-type'] ??= 'application/json';
      // Bytes, not a string: fetch would otherwise add Content-Type text/plain by itself.
      const body = options.body === undefined ? undefined : new TextEncoder().encode(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
      const response = await fetch(new URL(path, baseUrl), { method, headers, body });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      const json = /json/.test(contentType) && text !== '' ? (JSON.parse(text) as unknown) : undefined;
      return { status: response.status, contentType, text, json };
    },
  };
}
