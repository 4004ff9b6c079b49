/**
 * A button's action: which one runs (for its spinner), a toast saying what was done, or the
 * agent's refusal as it said it.
 */
import { App } from 'antd';
import { useState } from 'react';
import { shownError } from '../stores/errors';

export function useAction(): { busy: string | null; act: (key: string, done: string, run: () => Promise<unknown>) => Promise<void> } {
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const act = async (key: string, done: string, run: () => Promise<unknown>) => {
    setBusy(key);
    try {
      await run();
      message.success(done);
    } catch (error) {
      message.error(shownError(error).message);
    } finally {
      setBusy(null);
    }
  };
  return { busy, act };
}
