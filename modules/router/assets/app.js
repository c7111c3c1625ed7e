// SoulSpot dashboard. Asks for the API key once and keeps it in this browser; reads the
// `/api` routes with it and follows the live stream (`/api/events/stream`) for module status,
// job updates and events. Everything shown comes from peers and services, so it is written
// with textContent only, never parsed as HTML.
'use strict';

const KEY_STORAGE = 'soulspot.apiKey';
const PLAYLISTS_STORAGE = 'soulspot.playlists';
const MAX_EVENTS = 30;
const MAX_JOBS = 100;
const MAX_JOB_PAGES = 20;
const RECONNECT_MS = 2000;
const TRACK_FIELDS = ['id', 'spotify_id', 'musicbrainz_id', 'isrc', 'title', 'artist', 'album',
  'duration_ms'];

const state = {
  jobs: new Map(),
  /** job id -> last download percent reported by `download.progress`. */
  progress: new Map(),
  playlists: new Set(JSON.parse(localStorage.getItem(PLAYLISTS_STORAGE) || '[]')),
  source: null,
  playlistRefresh: null,
  /** Status reports received over the stream so far (see `fetchStatus`). */
  streamedStatus: 0,
};

const $ = (id) => document.getElementById(id);

/** A new element; `text` sets textContent, `data-*` and `title` set attributes. */
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'text') node.textContent = value;
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function badge(status) {
  return el('span', { class: 'badge', 'data-status': status, text: status });
}

// ---- key and API -------------------------------------------------------------------------

class Unauthorized extends Error {}

function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || '';
}

function askForKey(message) {
  localStorage.removeItem(KEY_STORAGE);
  closeStream();
  setConnection('offline');
  $('dashboard').hidden = true;
  $('forget-key').hidden = true;
  $('key-panel').hidden = false;
  $('key-error').hidden = !message;
  $('key-error').textContent = message || '';
  $('key-input').value = '';
  $('key-input').focus();
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { 'x-api-key': apiKey() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    askForKey('The router refused this key.');
    throw new Unauthorized('unauthorized');
  }
  const reply = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(reply?.error?.message || `the router answered ${response.status}`);
  }
  return reply;
}

function report(error) {
  if (!(error instanceof Unauthorized)) console.error(error);
}

// ---- live stream -------------------------------------------------------------------------

function setConnection(connection) {
  $('connection').dataset.state = connection;
  $('connection').textContent = connection;
}

function closeStream() {
  if (state.source) state.source.close();
  state.source = null;
}

function openStream() {
  closeStream();
  const source = new EventSource(`/api/events/stream?apikey=${encodeURIComponent(apiKey())}`);
  state.source = source;
  // A (re)connected stream may have missed changes: read the current state once.
  source.addEventListener('open', () => {
    setConnection('live');
    refresh();
  });
  source.addEventListener('status', (message) => {
    state.streamedStatus += 1;
    renderStatus(JSON.parse(message.data));
  });
  source.addEventListener('job', (message) => upsertJob(JSON.parse(message.data)));
  source.addEventListener('event', (message) => onEvent(JSON.parse(message.data)));
  for (const ending of ['dropped', 'closed']) {
    source.addEventListener(ending, () => reconnectLater(source));
  }
  source.addEventListener('error', () => {
    setConnection('offline');
    // The browser retries by itself unless the answer was not a stream (401, 503).
    if (source.readyState === EventSource.CLOSED) reconnectLater(source);
  });
}

function reconnectLater(source) {
  if (state.source !== source) return;
  closeStream();
  setConnection('offline');
  setTimeout(() => {
    if (!apiKey() || state.source) return;
    // A refused key is told by the status request, which asks for the key again.
    fetchStatus().then(openStream, report);
  }, RECONNECT_MS);
}

function refresh() {
  Promise.all([
    fetchStatus(),
    loadJobs(),
    loadEvents(),
    refreshPlaylists(),
  ]).catch(report);
}

// ---- modules -----------------------------------------------------------------------------

/**
 * Reads the status report. A report the stream delivered while the request was under way is
 * newer than the answer, which is then dropped rather than shown over it.
 */
function fetchStatus() {
  const streamed = state.streamedStatus;
  return api('/api/modules/status').then((status) => {
    if (state.streamedStatus === streamed) renderStatus(status);
  });
}

function renderStatus(status) {
  $('modules').replaceChildren(...status.modules.map((module) => moduleCard(module, status)));
  $('warnings').replaceChildren(...status.warnings.map(warningItem));
  $('no-warnings').hidden = status.warnings.length > 0;
}

function moduleCard(module, status) {
  const instances = module.instances.length === 1 ? '1 instance' : `${module.instances.length} instances`;
  const card = el('article', { class: 'module', 'data-module': module.name, 'data-status': module.status }, [
    el('header', {}, [el('h3', { text: module.name }), badge(module.status)]),
    el('p', { class: 'instances', text: instances }),
    el('ul', { class: 'capabilities' }, sortedCapabilities(module).map((capability) =>
      el('li', { text: capability.operation, title: `priority ${capability.priority}` }))),
  ]);
  for (const check of module.checks.filter((check) => !check.ok)) {
    card.append(el('p', { class: 'muted', text: `check failing: ${check.name}` }));
  }
  if (module.status !== 'active') card.append(moduleWarning(module, status.warnings));
  return card;
}

function sortedCapabilities(module) {
  return [...module.capabilities].sort((a, b) => a.operation.localeCompare(b.operation));
}

/** Why a module that is not active matters: the capabilities nobody serves without it. */
function moduleWarning(module, warnings) {
  const mine = warnings.filter((warning) =>
    warning.providers.some((provider) => provider.module === module.name));
  const box = el('div', { class: 'module-warning', role: 'alert' });
  if (mine.length === 0) {
    const operations = module.capabilities.map((capability) => capability.operation).join(', ');
    box.append(
      line('Impact', operations ? `${operations} served by other modules only` : 'none'),
      line('Action', `start ${module.name}`));
    return box;
  }
  for (const warning of mine) {
    box.append(el('p', { class: 'mono', text: warning.operation }),
      line('Impact', warning.impact), line('Action', warning.action));
  }
  return box;
}

function warningItem(warning) {
  const holders = warning.providers.map((provider) => `${provider.module} (${provider.status})`);
  return el('li', { 'data-operation': warning.operation }, [
    el('p', { class: 'mono', text: warning.operation }),
    line('Impact', warning.impact),
    line('Action', warning.action),
    line('Offered by', holders.length ? holders.join(', ') : 'no module so far'),
  ]);
}

function line(label, text) {
  return el('p', {}, [el('span', { class: 'label', text: `${label}: ` }), text]);
}

// ---- jobs --------------------------------------------------------------------------------

async function loadJobs() {
  let after = null;
  for (let page = 0; page < MAX_JOB_PAGES; page += 1) {
    const query = after ? `?limit=500&after=${encodeURIComponent(after)}` : '?limit=500';
    const reply = await api(`/api/jobs${query}`);
    reply.jobs.forEach(upsertJob);
    after = reply.next_after;
    if (!after) break;
  }
}

function upsertJob(job) {
  const known = state.jobs.get(job.id);
  // A fetched record may be older than an update the stream already delivered.
  if (known && Date.parse(job.updated_at) < Date.parse(known.updated_at)) return;
  state.jobs.set(job.id, job);
  renderJob(job);
  schedulePlaylistRefresh();
}

function renderJob(job) {
  const rows = $('jobs');
  const row = jobRow(job);
  const existing = rows.querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
  if (existing) existing.replaceWith(row);
  else rows.prepend(row);
  while (rows.children.length > MAX_JOBS) rows.lastElementChild.remove();
  $('no-jobs').hidden = rows.children.length > 0;
}

function jobRow(job) {
  const current = currentStep(job);
  const attempts = current ? current.attempts || 0 : 0;
  const retries = job.retries || 0;
  const failure = job.failure ? `${job.failure.step}: ${job.failure.reason}` : '';
  const retry = el('button', { class: 'retry small', type: 'button', text: 'Retry' });
  retry.hidden = job.state !== 'failed';
  retry.addEventListener('click', () => retryJob(job.id, retry));
  return el('tr', { 'data-job': job.id, 'data-state': job.state }, [
    el('td', { text: describeJob(job), title: job.id }),
    el('td', { class: 'state' }, [badge(job.state)]),
    el('td', { class: 'step', text: current ? `${current.name} (${current.status})` : '' }),
    el('td', { class: 'progress' }, progressCell(job)),
    el('td', { class: 'attempts', text: retries ? `${attempts} (retried ${retries}×)` : `${attempts}` }),
    el('td', { class: 'error', text: failure }),
    el('td', {}, [retry]),
  ]);
}

/** The step the job is at: the running one, else the one it failed at, else the last. */
/** The step the job is at: the one it failed at, the one running, else the last one taken. */
function currentStep(job) {
  if (job.state === 'failed' && job.failure) {
    const failed = job.steps.find((step) => step.name === job.failure.step);
    return failed || { name: job.failure.step, status: 'failed', attempts: 0 };
  }
  const running = job.steps.find((step) => step.status === 'running');
  return running || job.steps[job.steps.length - 1];
}

function describeJob(job) {
  const track = job.track || job.request.track;
  if (track) return `${track.artist} — ${track.title}`;
  return job.request.query || job.id;
}

/** Download progress: what `download.progress` said, or full once the download step is done. */
function progressCell(job) {
  const download = job.steps.find((step) => step.name === 'download');
  let percent = state.progress.get(job.id);
  if (download?.status === 'succeeded' || job.state === 'completed') percent = 100;
  if (percent === undefined) return [];
  const bar = el('progress', { max: '100', value: String(percent) });
  return [bar, el('span', { text: ` ${Math.round(percent)}%` })];
}

async function retryJob(id, button) {
  button.disabled = true;
  try {
    upsertJob(await api(`/api/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST' }));
  } catch (error) {
    button.disabled = false;
    report(error);
  }
}

// ---- events ------------------------------------------------------------------------------

async function loadEvents() {
  const events = await api(`/api/events?limit=${MAX_EVENTS}`);
  $('events').replaceChildren();
  events.forEach(onEvent);
}

function onEvent(event) {
  const data = event.data || {};
  if (event.event_type === 'download.progress' && data.job_id) {
    state.progress.set(data.job_id, data.percent);
    const job = state.jobs.get(data.job_id);
    if (job) renderJob(job);
  }
  const time = new Date(event.occurred_at);
  const percent = typeof data.percent === 'number' ? `${Math.round(data.percent)}%` : '';
  const summary = [event.source_module, data.job_id, percent].filter(Boolean).join(' · ');
  const item = el('li', { 'data-type': event.event_type }, [
    el('time', { datetime: event.occurred_at, text: time.toLocaleTimeString([], { hourCycle: 'h23' }) }),
    el('span', { class: 'mono', text: event.event_type }),
    el('span', { text: summary }),
  ]);
  const list = $('events');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

// ---- search ------------------------------------------------------------------------------

async function search(submit) {
  submit.preventDefault();
  const query = $('search-input').value.trim();
  if (!query) return;
  $('search-status').textContent = 'Searching…';
  $('search-results').replaceChildren();
  try {
    const reply = await api(`/api/search?q=${encodeURIComponent(query)}&limit=10`);
    $('search-status').textContent = reply.tracks.length ? '' : 'Nothing found.';
    $('search-results').replaceChildren(...reply.tracks.map(resultRow));
  } catch (error) {
    $('search-status').textContent = `Search failed: ${error.message}`;
    report(error);
  }
}

function resultRow(track) {
  const download = el('button', { class: 'download small', type: 'button', text: 'Download' });
  download.addEventListener('click', () => downloadTrack(track, download));
  return el('tr', { class: 'result' }, [
    el('td', { text: track.title }),
    el('td', { text: track.artist }),
    el('td', { text: track.album || '' }),
    el('td', { text: duration(track.duration_ms) }),
    el('td', {}, [download]),
  ]);
}

function duration(ms) {
  if (typeof ms !== 'number') return '';
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

async function downloadTrack(track, button) {
  const wanted = Object.fromEntries(TRACK_FIELDS.filter((field) => track[field] !== undefined)
    .map((field) => [field, track[field]]));
  button.disabled = true;
  try {
    const accepted = await api('/api/downloads', { method: 'POST', body: { track: wanted } });
    button.textContent = 'Queued';
    upsertJob(await api(`/api/jobs/${encodeURIComponent(accepted.job_id)}`));
  } catch (error) {
    button.disabled = false;
    $('search-status').textContent = `Download refused: ${error.message}`;
    report(error);
  }
}

// ---- playlists ---------------------------------------------------------------------------

async function syncPlaylist(submit) {
  submit.preventDefault();
  const playlist = $('playlist-input').value.trim();
  if (!playlist) return;
  $('playlist-status').textContent = 'Syncing…';
  try {
    const sync = await api('/api/playlists/sync', { method: 'POST', body: { playlist } });
    $('playlist-status').textContent =
      `${sync.name || sync.playlist_id}: ${sync.total} tracks, ${sync.in_library} in the library, ` +
      `${sync.enqueued.length} queued`;
    state.playlists.add(sync.playlist_id);
    localStorage.setItem(PLAYLISTS_STORAGE, JSON.stringify([...state.playlists]));
    await refreshPlaylists();
  } catch (error) {
    $('playlist-status').textContent = `Sync failed: ${error.message}`;
    report(error);
  }
}

/** Job updates move playlists on: read their progress at most once a second. */
function schedulePlaylistRefresh() {
  if (state.playlists.size === 0 || state.playlistRefresh) return;
  state.playlistRefresh = setTimeout(() => {
    state.playlistRefresh = null;
    refreshPlaylists().catch(report);
  }, 1000);
}

async function refreshPlaylists() {
  const items = [];
  for (const id of state.playlists) {
    try {
      items.push(playlistItem(await api(`/api/playlists/${encodeURIComponent(id)}`)));
    } catch (error) {
      if (error instanceof Unauthorized) throw error;
      state.playlists.delete(id);
    }
  }
  $('playlists').replaceChildren(...items);
}

function playlistItem(progress) {
  const done = progress.states.completed || 0;
  const counts = Object.entries(progress.states).map(([name, count]) => `${count} ${name}`);
  return el('li', { 'data-playlist': progress.playlist_id }, [
    el('div', { class: 'label', text: progress.name || progress.playlist_id }),
    el('progress', { max: String(Math.max(progress.total, 1)), value: String(done) }),
    el('span', { class: 'muted', text: ` ${done}/${progress.total} · ${counts.join(', ')}` }),
  ]);
}

// ---- start -------------------------------------------------------------------------------

function start() {
  $('key-panel').hidden = true;
  $('dashboard').hidden = false;
  $('forget-key').hidden = false;
  openStream();
  refresh();
}

document.addEventListener('DOMContentLoaded', () => {
  $('key-form').addEventListener('submit', (submit) => {
    submit.preventDefault();
    const key = $('key-input').value.trim();
    if (!key) return;
    localStorage.setItem(KEY_STORAGE, key);
    start();
  });
  $('forget-key').addEventListener('click', () => askForKey(''));
  $('search-form').addEventListener('submit', search);
  $('playlist-form').addEventListener('submit', syncPlaylist);
  if (apiKey()) start();
  else askForKey('');
});
