// Reading the node's /metrics (Prometheus text format 0.0.4) in the browser, and turning two
// samples of it into rates and percentiles, as Prometheus' rate() and histogram_quantile() would.

// [{name, labels: {k: v}, value}] from the text; comment and blank lines are skipped.
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const parsed = parseLine(line);
    if (parsed) out.push(parsed);
  }
  return out;
}

function parseLine(line) {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i += 1;
  const name = line.slice(0, i);
  const labels = {};
  if (line[i] === '{') {
    i += 1;
    while (i < line.length && line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return null;
      const key = line.slice(i, eq).trim();
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j += 1) {
        if (line[j] === '\\' && j + 1 < line.length) {
          j += 1;
          value += line[j] === 'n' ? '\n' : line[j];
        } else {
          value += line[j];
        }
      }
      labels[key] = value;
      i = j + 1;
      if (line[i] === ',') i += 1;
    }
    i += 1;  // the closing brace
  }
  const [valueText] = line.slice(i).trim().split(' ');
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
  return name ? { name, labels, value } : null;
}

// Requests the charts leave out: the console's own polling of /metrics and its page's files.
const ownTraffic = (labels) => labels.route === '/metrics' || (labels.route || '').startsWith('/console');

// What the overview needs from one scrape, summed over label sets: cumulative counts only, so
// that two of them give the rates between them.
export function summarize(series) {
  const s = {
    requests: 0,
    serverErrors: 0,
    latencyBuckets: new Map(),  // le (seconds; Infinity for +Inf) -> cumulative count
    journalAppends: 0,
    journalBatches: 0,
    deadLetters: 0,
    restarts: 0,
  };
  for (const { name, labels, value } of series) {
    if (!Number.isFinite(value)) continue;
    switch (name) {
      case 'commerce_http_requests_total':
        if (ownTraffic(labels)) break;
        s.requests += value;
        if (String(labels.status || '').startsWith('5')) s.serverErrors += value;
        break;
      case 'commerce_http_request_duration_seconds_bucket': {
        if (ownTraffic(labels)) break;
        const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
        s.latencyBuckets.set(le, (s.latencyBuckets.get(le) || 0) + value);
        break;
      }
      case 'commerce_journal_batch_size_sum':
        s.journalAppends += value;
        break;
      case 'commerce_journal_batch_size_count':
        s.journalBatches += value;
        break;
      case 'commerce_dead_letters_total':
        s.deadLetters += value;
        break;
      case 'commerce_supervisor_restarts_total':
      case 'commerce_entity_restarts_total':
        s.restarts += value;
        break;
      default:
        break;
    }
  }
  return s;
}

// How much a counter grew; a counter that went down means the node restarted: all of it is new.
export function growth(before, after) {
  return after >= before ? after - before : after;
}

// The q-quantile (0..1) of what a histogram observed between two summaries' buckets, by linear
// interpolation inside the bucket that holds it; null when nothing was observed.
export function quantileBetween(q, before, after) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => growth(before.get(le) || 0, after.get(le)));
  const total = counts[counts.length - 1] || 0;
  if (!total) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < bounds.length; i += 1) {
    if (counts[i] >= rank) {
      if (!Number.isFinite(bounds[i])) return lowerBound;  // beyond the last finite bound: that bound
      const inBucket = counts[i] - lowerCount;
      return inBucket > 0 ? lowerBound + (bounds[i] - lowerBound) * ((rank - lowerCount) / inBucket) : bounds[i];
    }
    lowerBound = bounds[i];
    lowerCount = counts[i];
  }
  return lowerBound;
}
