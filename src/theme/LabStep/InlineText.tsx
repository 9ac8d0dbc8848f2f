// The little inline Markdown lab texts use: `code`, **bold** and [links](https://...).
// Everything else is shown as text (never as HTML).
import { type ReactNode } from 'react';

const TOKEN = /(`[^`]+`|\*\*[^*]+\*\*|\[[^\]]+\]\((?:https?:\/\/|\/)[^)\s]+\))/g;

export function InlineText({ text }: { text: string }): ReactNode {
  const parts = text.split(TOKEN);
  return (
    <>
      {parts.map((part, i) => {
        if (i % 2 === 0) return part;
        if (part.startsWith('`')) return <code key={i}>{part.slice(1, -1)}</code>;
        if (part.startsWith('**')) return <strong key={i}>{part.slice(2, -2)}</strong>;
        const m = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(part);
        return m ? (
          <a key={i} href={m[2]} target={m[2]!.startsWith('http') ? '_blank' : undefined} rel="noopener noreferrer">
            {m[1]}
          </a>
        ) : (
          part
        );
      })}
    </>
  );
}
