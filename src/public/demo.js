// The polling pattern of the design note, in a page: trigger, follow the task, show the result.
// Plain browser JavaScript served by the service itself (no build step, nothing from elsewhere),
// as a separate file because the Content-Security-Policy allows no inline script.
'use strict';

const TOKEN_KEY = 'behavior-runner.token';
const POLL_MS = 2000;
const API = '/api/page-deployments';

const $ = (id) => document.getElementById(id);

/** The task being followed; a newer one makes older loops and streams stop. */
let current = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

/** Every call sends JSON (the service refuses a body-less POST without it) and the token. */
async function api(path, init = {}) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const res = await fetch(path, { ...init, headers: { ...headers, ...(init.headers || {}) } });
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  return { ok: res.ok, status: res.status, body };
}

function say(text) {
  $('message').textContent = text;
}

function failureText(res) {
  const m = res.body && res.body.message;
  return `${res.status}: ${Array.isArray(m) ? m.join('; ') : m || 'request failed'}`;
}

function option(value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

async function loadDeployments() {
  const select = $('deployment');
  select.replaceChildren();
  const res = await api(`${API}?page_size=100`);
  if (!res.ok) {
    say(`Could not list deployments (${failureText(res)})`);
    return;
  }
  for (const d of res.body.items) select.append(option(d.id, `${d.title} (${d.id.slice(0, 8)})`));
  if (res.body.items.length === 0) say('No deployment yet: create one through the API.');
  await loadBehaviors();
}

async function loadBehaviors() {
  const select = $('behavior');
  const id = $('deployment').value;
  select.replaceChildren();
  delete select.dataset.deployment;
  if (!id) return;
  const res = await api(`${API}/${id}/behaviors`);
  // Another deployment was picked while this list was on its way: that one's list wins.
  if (id !== $('deployment').value) return;
  if (!res.ok) {
    say(`Could not list behaviors (${failureText(res)})`);
    return;
  }
  select.replaceChildren(
    ...res.body.behaviors.map((b) => option(b.behavior_number, `${b.behavior_number}: ${b.type}`)),
  );
  select.dataset.deployment = id;
}

async function trigger() {
  const deploymentId = $('deployment').value;
  const behaviorNumber = $('behavior').value;
  if (!deploymentId || !behaviorNumber) return say('Pick a deployment and a behavior first.');
  say('Triggering...');
  const res = await api(`${API}/${deploymentId}/behaviors/trigger`, {
    method: 'POST',
    body: JSON.stringify({ behavior_number: behaviorNumber, async_execution: true }),
  });
  if (res.status === 202) {
    say(res.body.message);
    follow(deploymentId, res.body.task_id);
  } else if (res.status === 409 && res.body && res.body.task_id) {
    // The behavior already runs: follow that task instead of starting another.
    say(`${res.body.message} Following it.`);
    follow(deploymentId, res.body.task_id);
  } else {
    say(`Trigger refused (${failureText(res)})`);
  }
}

function follow(deploymentId, taskId) {
  const task = { deploymentId, taskId, done: false, abort: new AbortController() };
  if (current) current.abort.abort();
  current = task;
  $('task').hidden = false;
  $('task-id').textContent = taskId;
  $('error').hidden = true;
  $('result').replaceChildren();
  $('cancel').disabled = false;
  render(task, { state: 'PENDING', progress: 0, status: 'Waiting for the first status...' });
  void stream(task).then((finished) => {
    if (!finished && !task.done && current === task) void poll(task);
  });
}

/**
 * Follows the task's Server-Sent Events. EventSource cannot send an Authorization header, so
 * the stream is read with fetch. Answers true once the terminal status arrived; false when
 * the stream is unavailable or broke, and the caller polls.
 */
async function stream(task) {
  const headers = { Accept: 'text/event-stream' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const url = `${API}/${task.deploymentId}/behaviors/tasks/${task.taskId}/events`;
  try {
    const res = await fetch(url, { headers, signal: task.abort.signal });
    if (!res.ok || !res.body) return false;
    $('transport').textContent = '(live events)';
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return task.done;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        // Comment-only blocks (heartbeats) carry no data.
        if (data) render(task, JSON.parse(data));
      }
    }
  } catch {
    return task.done;
  }
}

/** The design note's loop: ask every 2 s until SUCCESS or FAILURE. */
async function poll(task) {
  $('transport').textContent = '(polling every 2 s)';
  while (!task.done && current === task) {
    const res = await api(`${API}/${task.deploymentId}/behaviors/tasks/${task.taskId}`).catch(
      () => null,
    );
    if (res && res.ok) render(task, res.body);
    else if (res && res.status === 404) return say('The task is gone (unknown or expired).');
    if (!task.done) await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function render(task, s) {
  if (current !== task) return;
  const state = $('state');
  state.textContent = s.state;
  state.className = `state ${s.state}`;
  $('progress').value = s.progress;
  $('progress-text').textContent = `${s.progress}%`;
  $('stage-text').textContent = s.stage ? `${s.stage}: ${s.status}` : s.status;
  if (s.state !== 'SUCCESS' && s.state !== 'FAILURE') return;
  task.done = true;
  $('cancel').disabled = true;
  if (s.state === 'FAILURE') {
    $('error').hidden = false;
    $('error').textContent = s.stage === 'cancelled' ? `Cancelled: ${s.error}` : s.error;
  } else {
    showResult(s.result || {});
  }
}

function card(title, lines) {
  const div = document.createElement('div');
  div.className = 'card';
  const h = document.createElement('h3');
  h.textContent = title;
  div.append(h);
  for (const line of lines) {
    const p = document.createElement('p');
    p.textContent = line;
    div.append(p);
  }
  return div;
}

function showResult(result) {
  const out = $('result');
  if (result.groups) {
    const explanations = result.explanations || {};
    for (const [name, members] of Object.entries(result.groups)) {
      const lines = [members.join(', ')];
      if (explanations[name]) lines.push(explanations[name]);
      const c = card(name, lines);
      c.classList.add('group');
      out.append(c);
    }
  }
  if (result.themes) {
    for (const theme of result.themes) {
      const c = card(theme.title, [
        theme.description,
        `Students: ${theme.student_names.join(', ')}`,
      ]);
      c.classList.add('theme');
      out.append(c);
    }
  }
  if (!result.groups && !result.themes) out.append(card('Result', [JSON.stringify(result)]));
}

async function cancel() {
  if (!current || current.done) return;
  const task = current;
  $('cancel').disabled = true;
  say('Cancelling...');
  const res = await api(`${API}/${task.deploymentId}/behaviors/tasks/${task.taskId}/cancel`, {
    method: 'POST',
  });
  say(res.ok ? res.body.message : `Cancel refused (${failureText(res)})`);
  // The stream (or the next poll) brings the final status; ask once more in case neither runs.
  const status = await api(`${API}/${task.deploymentId}/behaviors/tasks/${task.taskId}`);
  if (status.ok) render(task, status.body);
}

function init() {
  $('token').value = token();
  $('token-note').textContent = token() ? 'token set for this tab' : '';
  $('save-token').addEventListener('click', () => {
    const value = $('token').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    $('token-note').textContent = value ? 'token set for this tab' : '';
    void loadDeployments();
  });
  $('reload').addEventListener('click', () => void loadDeployments());
  $('deployment').addEventListener('change', () => void loadBehaviors());
  $('trigger').addEventListener('click', () => void trigger());
  $('cancel').addEventListener('click', () => void cancel());
  void loadDeployments();
}

init();
