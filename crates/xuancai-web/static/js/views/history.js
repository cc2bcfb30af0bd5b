// The studio's history (issue 22 item 5): every job of the user with what it
// made — results stay with their job until saved — and a way to delete a
// job and its result (`DELETE /api/v1/jobs/{id}`; a photo saved from it
// stays in the library).
import { get, del } from '../api.js';
import { t } from '../i18n.js';
import { h, render, busy, toast, fmtTime, dialog } from '../ui.js';

function preview(job) {
  const urls = job.result && job.result.urls;
  if (!urls) return h('span', { class: 'history-thumb' });
  const src = urls.preview || (urls.stickers && urls.stickers[0]) || urls.thumbnail;
  return src ? h('img', { class: 'history-thumb checker', src, alt: t('history.result') }) : h('span', { class: 'history-thumb' });
}

export async function historyView() {
  const jobs = await get('/api/v1/jobs?limit=200');
  const list = h('ul', { class: 'history', id: 'history' });
  const empty = h('p', { class: 'hint', hidden: jobs.items.length > 0 }, t('history.empty'));
  for (const job of jobs.items) {
    const ended = job.state === 'done' || job.state === 'failed';
    const remove = h('button', { type: 'button', class: 'danger small', disabled: !ended }, t('history.delete'));
    const item = h('li', { class: 'card row', dataset: { job: job.id } },
      preview(job),
      h('div', { style: 'flex:1;min-width:0' },
        h('strong', {}, t('studio.' + (job.kind === 'face_swap' ? 'faceswap' : job.kind))),
        h('div', { class: 'hint' }, fmtTime(job.created_at), ' · ', t('studio.' + job.state, null, job.state))),
      job.result && job.result.urls && job.result.urls.original
        ? h('a', { class: 'button ghost small', href: job.result.urls.original, target: '_blank', rel: 'noopener' }, t('history.open'))
        : null,
      remove);
    remove.addEventListener('click', () => busy(remove, async () => {
      if (!(await dialog({ title: t('history.delete'), body: h('p', {}, t('history.delete_q')),
        actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('history.delete'), value: true, kind: 'danger' }] }))) return;
      await del(`/api/v1/jobs/${job.id}`);
      item.remove();
      empty.hidden = list.childElementCount > 0;
      toast(t('history.deleted'));
    }));
    list.append(item);
  }
  render(h('h1', {}, t('history.title')), h('p', { class: 'hint' }, t('history.hint')), list, empty);
}
