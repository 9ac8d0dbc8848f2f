// A modal confirmation (the lab's Reset, Clear progress): the native <dialog> shown with
// showModal(), so the rest of the page is inert for pointer, keyboard and screen reader; Tab
// cycles between its buttons, Esc cancels, and the focus goes back to the control that opened it.
import React, { useEffect, useId, useRef, type ReactNode } from 'react';
import styles from './styles.module.css';

export interface ConfirmDialogProps {
  open: boolean;
  title: ReactNode;
  message: ReactNode;
  confirmLabel: ReactNode;
  cancelLabel: ReactNode;
  onConfirm(): void;
  onCancel(): void;
  /** Where the focus returns when the dialog closes (the button that opened it). */
  returnFocus?: React.RefObject<HTMLElement | null>;
  /** Marks the dialog for tests. */
  name: string;
}

export default function ConfirmDialog({ open, title, message, confirmLabel, cancelLabel, onConfirm, onCancel, returnFocus, name }: ConfirmDialogProps): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // Cancel first: Enter on an opened dialog must not destroy anything.
      cancelRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      returnFocus?.current?.focus({ preventScroll: true });
    }
  }, [open, returnFocus]);

  // Tab and Shift+Tab wrap inside the dialog rather than reaching the browser's own controls.
  const onKeyDown = (e: React.KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab') return;
    const buttons = Array.from(ref.current?.querySelectorAll<HTMLElement>('button:not([disabled])') ?? []);
    const first = buttons[0];
    const last = buttons[buttons.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={styles.dialog}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      data-confirm={name}
      onKeyDown={onKeyDown}
      // Esc: the browser closes the dialog itself; keep React's state in step.
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}>
      <h2 id={`${id}-title`} className={styles.dialogTitle}>
        {title}
      </h2>
      <p id={`${id}-text`}>{message}</p>
      <div className={styles.dialogActions}>
        <button type="button" ref={cancelRef} className="button button--secondary button--sm" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type="button" className="button button--danger button--sm" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
