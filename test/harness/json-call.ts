/**
 * One raw HTTP request with a JSON body (or NDJSON when the body is already a string), answered
 * with its status, exact text and parsed body: for tests that check what the node sends as sent.
 */
import { rawRequest, type StartedNode } from './cluster.js';

export interface JsonAnswer {
  status: number;
  text: string;
  body: any;
}

export async function jsonCall(node: StartedNode, method: string, path: string, body?: unknown): Promise<JsonAnswer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'application/x-ndjson' : 'application/json';
  const response = await rawRequest(node, method, path, text === undefined ? {} : { body: text, headers: { 'content-type': contentType } });
  return { status: response.status, text: response.text, body: response.text === '' ? undefined : response.json() };
}
