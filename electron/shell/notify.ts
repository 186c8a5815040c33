import { Notification } from 'electron';
import type { JobNotice } from '../services/desktop/notifier';

/** Shows a job's end as a desktop notification; clicking it calls `onClick` (focus the window, open the job). */
export function showJobNotification(notice: JobNotice, icon: string, onClick: (route: string) => void): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title: notice.title, body: notice.body, icon, urgency: notice.ok ? 'normal' : 'critical' });
  n.on('click', () => onClick(notice.route));
  n.show();
}
