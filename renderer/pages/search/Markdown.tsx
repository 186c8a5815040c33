import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo, type MouseEvent } from 'react';
import { useLearn } from '../../stores/learn';

/** nixpkgs writes {option}`x`, {file}`x`, {command}`x`, {manpage}`x` in descriptions: show them as code */
function preprocess(md: string): string {
  return md.replace(/\{(?:option|file|command|manpage|env|var)\}`([^`]*)`/g, '`$1`');
}

/** Markdown from the package and option data, rendered and sanitized; links open through the allow-list. */
export function Markdown({ text, className }: { text: string; className?: string }) {
  const open = useLearn((s) => s.open);
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(preprocess(text), { async: false, gfm: true }) as string, { USE_PROFILES: { html: true } }), [text]);
  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const a = (e.target as HTMLElement).closest('a');
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute('href');
    if (href) void open(href);
  };
  return <div className={`markdown ${className ?? ''}`} onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />;
}
