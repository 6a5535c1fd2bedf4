/**
 * One item of each listing, made over HTTP between two endpoints of one kind (accounts with `name` and a
 * decimal `balance`): a conflict parked at the target (the same account changed at both ends), an entry
 * quarantined at the target (a page whose entry holds a balance that is not a number), and the result
 * feed of the conflicting pass posted to the source's `$syncResults` (runName `conflicting`).
 */
import request from 'supertest';
import type { Express } from 'express';
import { asText } from '../endpoint/support/app';
import { getDigestXml, pathOf, syncByHand } from './syncByHand';

const postJson = (app: Express, url: string, body: unknown) =>
  request(app).post(pathOf(`${url}?format=json`)).set('Content-Type', 'application/json').send(JSON.stringify(body));
const putJson = (app: Express, url: string, body: unknown) =>
  request(app).put(pathOf(`${url}?format=json`)).set('Content-Type', 'application/json').send(JSON.stringify(body));

async function ok(test: request.Test, status: number): Promise<request.Response> {
  const res = await test;
  if (res.status !== status) throw new Error(`${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

export async function parkOneOfEach(app: Express, source: string, target: string): Promise<void> {
  const made = (await ok(postJson(app, source, { name: 'Original' }), 201)).body as { $key: string; $uuid: string };
  await syncByHand(app, source, target);
  const atTarget = (await ok(request(app).get(pathOf(`${target}?format=json&count=100`)), 200)).body as { $resources: { $key: string; $uuid: string }[] };
  const copy = atTarget.$resources.find((r) => r.$uuid === made.$uuid)!;
  await ok(putJson(app, `${source}('${made.$key}')`, { name: 'Changed at the source' }), 200);
  await ok(putJson(app, `${target}('${copy.$key}')`, { name: 'Changed at the target' }), 200);
  const pass = await syncByHand(app, source, target, { runName: 'conflicting' });
  const run = `runName=conflicting&runStamp=${encodeURIComponent(new Date().toISOString())}`;
  await ok(request(app).post(pathOf(`${source}/$syncResults?${run}`)).set('Content-Type', 'application/atom+xml;type=feed').send(pass.resultBodies[0]), 200);

  await ok(postJson(app, source, { name: 'Spoilt' }), 201);
  const page = (await ok(asText(request(app).post(pathOf(`${source}/$syncSource?count=100`)).set('Content-Type', 'application/atom+xml').send(await getDigestXml(app, target))), 200)).body as string;
  const spoilt = page.replace('<name>Spoilt</name>', '<name>Spoilt</name><balance>not a number</balance>');
  if (spoilt === page) throw new Error('no entry to spoil');
  await ok(asText(request(app).post(pathOf(`${target}/$syncTarget`)).set('Content-Type', 'application/atom+xml;type=feed').send(spoilt)), 200);
}
