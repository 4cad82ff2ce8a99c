// Samples the node's /metrics every 2 s while the operator is signed in, keeping the last five
// minutes, so that the overview's charts have a history as soon as it is opened again.
import { api } from './api.js';
import { growth, parseMetrics, quantileBetween, summarize } from './metrics.js';

export const intervalMs = 2000;
export const windowMs = 5 * 60 * 1000;

const samples = [];  // {t (ms), summary} or {t, summary: null} for a scrape that failed
const listeners = new Set();
let timer = null;
let running = false;
let generation = 0;  // a loop of an earlier sign-in that is still awaiting a scrape stops itself
let lastError = null;

async function sampleOnce() {
  const t = Date.now();
  try {
    const text = await api('/metrics');
    samples.push({ t, summary: summarize(parseMetrics(String(text))) });
    lastError = null;
  } catch (error) {
    samples.push({ t, summary: null });
    lastError = error;
  }
  while (samples.length && samples[0].t < t - windowMs - intervalMs) samples.shift();
  for (const listener of listeners) listener();
}

async function loop(mine) {
  if (!running || mine !== generation) return;
  await sampleOnce();
  if (running && mine === generation) timer = setTimeout(() => loop(mine), intervalMs);
}

export function startSampling() {
  if (running) return;
  running = true;
  generation += 1;
  loop(generation);
}

export function stopSampling() {
  running = false;
  generation += 1;
  clearTimeout(timer);
  samples.length = 0;
}

// Called after every sample; returns the function that unsubscribes.
export function onSample(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const sampleCount = () => samples.filter((s) => s.summary).length;
export const samplingError = () => lastError;

// The overview's series, each [{t, v}] with v null where a scrape failed or nothing happened
// that the value could be computed from. Rates are per second between consecutive samples.
export function series() {
  const out = {
    requestRate: [], p50: [], p99: [], errorShare: [], appendRate: [], batchSize: [], deadLetters: [], restarts: [],
  };
  for (let i = 0; i < samples.length; i += 1) {
    const { t, summary } = samples[i];
    out.deadLetters.push({ t, v: summary ? summary.deadLetters : null });
    out.restarts.push({ t, v: summary ? summary.restarts : null });
    if (i === 0) continue;
    const before = samples[i - 1].summary;
    const seconds = (t - samples[i - 1].t) / 1000;
    if (!summary || !before || seconds <= 0) {
      for (const name of ['requestRate', 'p50', 'p99', 'errorShare', 'appendRate', 'batchSize']) out[name].push({ t, v: null });
      continue;
    }
    const requests = growth(before.requests, summary.requests);
    const errors = growth(before.serverErrors, summary.serverErrors);
    const appends = growth(before.journalAppends, summary.journalAppends);
    const batches = growth(before.journalBatches, summary.journalBatches);
    const p50 = quantileBetween(0.5, before.latencyBuckets, summary.latencyBuckets);
    const p99 = quantileBetween(0.99, before.latencyBuckets, summary.latencyBuckets);
    out.requestRate.push({ t, v: requests / seconds });
    out.errorShare.push({ t, v: requests ? (100 * errors) / requests : 0 });
    out.p50.push({ t, v: p50 === null ? null : p50 * 1000 });
    out.p99.push({ t, v: p99 === null ? null : p99 * 1000 });
    out.appendRate.push({ t, v: appends / seconds });
    out.batchSize.push({ t, v: batches ? appends / batches : null });
  }
  return out;
}
